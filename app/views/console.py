"""National administration console: flask-admin mounted at ``/backoffice``,
its home page and its screens (referentials, supervision, audit, content),
each built on ``app.views.backoffice``.
"""

from __future__ import annotations

from pathlib import Path

from flask_admin import Admin, AdminIndexView, expose
from flask_admin import babel as console_babel
from flask_admin import translations as flask_admin_translations
from flask_admin.theme import Bootstrap4Theme

from app import jobs
from app.extensions import db
from app.infra.mail import status_counts
from app.security.headers import nonce
from app.views.backoffice import ConsoleAccessMixin
from app.views.backoffice_audit import add_audit_views
from app.views.backoffice_contenus import add_contenus_views
from app.views.backoffice_referentiels import add_referentiel_views
from app.views.backoffice_supervision import add_supervision_views, plafonds_atteints_aujourdhui

#: The console's own catalogue: French for what flask-admin's leaves in English.
CATALOGUE_CONSOLE = str(Path(__file__).resolve().parent.parent / "translations_console")


class ConsoleIndexView(ConsoleAccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("backoffice/index.html", files=jobs.etat_des_files(), outbox=status_counts(),
                           plafonds=plafonds_atteints_aujourdhui())



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
    add_referentiel_views(admin, session)
    add_supervision_views(admin, session)
    add_audit_views(admin, session)
    add_contenus_views(admin, session)
