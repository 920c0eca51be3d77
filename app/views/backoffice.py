"""National administration console: what its screens share (access, Paris
dates, the model view); ``app.views.console`` mounts it at ``/backoffice``.

Access is decided by FAB: the signed-in FAB user must hold the
``can_access Backoffice`` permission (role Administrateur national, or Admin).
Anonymous visitors are sent to FAB's login page, other users get 403.
CSRF comes from the app-wide ``CSRFProtect`` (flask-admin's SecureForm is not
used on purpose: the two together reject every form).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import typefmt
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.infra import integrite
from app.infra.exports import neutraliser
from app.infra.formatting import format_date, format_heure, paris_vers_utc
from app.security.roles import PERM_BACKOFFICE


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
        date: lambda view, value, name: format_date(value),
        datetime: lambda view, value, name: format_heure(value),
        bool: lambda view, value, name: oui_non(value),
    }
    # Exports: « Oui » / « Non » too (flask-admin wrote True / False); instants
    # in Paris time like the pages and their « (heure de Paris) » headers (flask-admin
    # wrote the stored UTC), ISO-like for the spreadsheets; days stay ISO.
    column_type_formatters_export = {
        **typefmt.EXPORT_FORMATTERS,
        datetime: lambda view, value, name: format_heure(value, "yyyy-MM-dd HH:mm:ss"),
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
