"""National administration console: flask-admin mounted at ``/backoffice``.

Access is decided by FAB: the signed-in FAB user must hold the
``can_access Backoffice`` permission (role Administrateur national, or Admin).
Anonymous visitors are sent to FAB's login page, other users get 403.
CSRF comes from the app-wide ``CSRFProtect`` (flask-admin's SecureForm is not
used on purpose: the two together reject every form).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin import babel as console_babel
from flask_admin import translations as flask_admin_translations
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import typefmt
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db
from app.infra import integrite
from app.infra.exports import neutraliser
from app.infra.formatting import format_date, format_heure, paris_vers_utc
from app.security.headers import nonce
from app.security.roles import PERM_BACKOFFICE

#: The console's own catalogue: French for what flask-admin's leaves in English.
CATALOGUE_CONSOLE = str(Path(__file__).resolve().parent.parent / "translations_console")


def backoffice_allowed() -> bool:
    if not current_user or not current_user.is_authenticated:
        return False
    return current_app.appbuilder.sm.has_access(*PERM_BACKOFFICE)


class ConsoleAccessMixin:
    """Every console view is guarded the same way."""

    #: What flask-admin's templates did with inline handlers (CSP, app/templates/admin/).
    extra_js = ["/static/js/console.js", "/static/js/accessibilite.js"]

    def is_accessible(self):
        return backoffice_allowed()

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            sm = current_app.appbuilder.sm
            login = url_for(f"{sm.auth_view.__class__.__name__}.login", next=request.full_path)
            return redirect(login)
        abort(403)


class ConsoleIndexView(ConsoleAccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        from app import jobs
        from app.infra.mail import status_counts
        from app.views.backoffice_supervision import plafonds_atteints_aujourdhui

        return self.render("backoffice/index.html", files=jobs.etat_des_files(), outbox=status_counts(),
                           plafonds=plafonds_atteints_aujourdhui())


class _HeureDeParis:
    """A console date filter reads the typed time as Paris time (every date
    the console shows is Paris time), compared with the stored UTC (issue 27)."""

    def clean(self, value):
        propre = super().clean(value)
        if isinstance(propre, list):
            return [paris_vers_utc(v) for v in propre]
        return paris_vers_utc(propre)


def _a_l_heure_de_paris(filtre):
    return type(filtre.__name__, (_HeureDeParis, filtre), {})


class FiltresHeureDeParis(sqla_filters.FilterConverter):
    """flask-admin's filters, with its date and time ones in Paris time."""

    datetime_filters = tuple(
        f if f is sqla_filters.FilterEmpty else _a_l_heure_de_paris(f)
        for f in sqla_filters.FilterConverter.datetime_filters
    )


def oui_non(valeur) -> Markup:
    """A boolean cell in French, read the same by everyone: flask-admin drew an
    icon titled « actif: true » (issue 27)."""
    icone = "fa-check-circle" if valeur else "fa-minus-circle"
    return Markup('<span class="fa {}" aria-hidden="true"></span> {}').format(icone, "Oui" if valeur else "Non")


class ConsoleModelView(ConsoleAccessMixin, ModelView):
    """Base of every referential screen: French, paginated, exportable."""

    column_type_formatters = {
        **typefmt.BASE_FORMATTERS,
        date: lambda view, value, name: format_date(value),
        datetime: lambda view, value, name: format_heure(value),
        bool: lambda view, value, name: oui_non(value),
    }
    column_type_formatters_detail = {
        **typefmt.DETAIL_FORMATTERS,
        bool: lambda view, value, name: oui_non(value),
    }
    # Exports: « Oui » / « Non » too (flask-admin wrote True / False).
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS,
        bool: lambda view, value, name: "Oui" if value else "Non",
    }

    filter_converter = FiltresHeureDeParis()
    list_template = "backoffice/liste.html"
    page_size = 50
    can_set_page_size = True
    can_export = True
    export_types = ["csv", "xlsx"]
    can_view_details = True

    def get_export_value(self, model, name):
        """CSV and XLSX exports of the console: no cell read as a formula (app.infra.exports)."""
        return neutraliser(super().get_export_value(model, name))

    # A row the database refuses (a code already used…): flask-admin flashed
    # the raw error (« Integrity error. UNIQUE constraint failed… »); here the
    # French message under the field concerned, the form kept (app.infra.integrite).
    def create_model(self, form):
        g.formulaire_console = form
        return super().create_model(form)

    def update_model(self, form, model):
        g.formulaire_console = form
        return super().update_model(form, model)

    def delete_model(self, model):
        g.formulaire_console = None
        return super().delete_model(model)

    def handle_view_exception(self, exc):
        if isinstance(exc, IntegrityError):
            form = g.get("formulaire_console")
            if form is None:
                flash("Suppression impossible : cet enregistrement est encore utilisé.", "error")
            else:
                integrite.signaler(exc, form)
            return True
        if isinstance(exc, SQLAlchemyError):
            current_app.logger.exception("console : erreur de base de données")
            flash("L'enregistrement a échoué : réessayez dans un moment.", "error")
            return True
        return super().handle_view_exception(exc)


def init_backoffice(app) -> Admin:
    # flask-admin caches its catalogue per locale for the whole process and
    # adds the console's directory only when the first lookup happens inside
    # a console view: a first lookup elsewhere (an error page) left the console
    # in English for the process. Its directory is now always searched first.
    console_babel.domain._translation_directories = [CATALOGUE_CONSOLE, flask_admin_translations.__path__[0]]
    admin = Admin(
        app,
        name="Console d'administration",
        url="/backoffice",
        endpoint="backoffice",
        index_view=ConsoleIndexView(name="Accueil", url="/backoffice", endpoint="backoffice"),
        theme=Bootstrap4Theme(swatch="default", base_template="admin/base.html"),
        # French for the strings flask-admin's catalogue leaves in English.
        translations_path=CATALOGUE_CONSOLE,
        csp_nonce_generator=nonce,  # flask-admin's inline scripts carry the request's CSP nonce
    )
    add_console_views(admin, db)
    return admin


def add_console_views(admin: Admin, session) -> None:
    """Referentials, content and supervision screens."""
    from app.views.backoffice_audit import add_audit_views
    from app.views.backoffice_referentiels import add_referentiel_views
    from app.views.backoffice_supervision import add_supervision_views

    add_referentiel_views(admin, session)
    add_supervision_views(admin, session)
    add_audit_views(admin, session)
    from app.views.backoffice_contenus import add_contenus_views

    add_contenus_views(admin, session)
