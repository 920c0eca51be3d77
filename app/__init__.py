"""Espace Intervenants: application factory.

No application object exists at import time and nothing touches the schema at
start-up: the schema comes from ``flask db upgrade``, roles from ``flask roles
sync``, referentials from ``flask referentiels charger``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from app.extensions import configurer_preparation, csrf, db, migrate

log = logging.getLogger(__name__)


def _resolve_config(config):
    from config import CONFIGS

    if config is None:
        config = os.environ.get("APP_CONFIG", "default")
    if isinstance(config, str):
        try:
            return CONFIGS[config]
        except KeyError:
            raise RuntimeError(f"Configuration inconnue : {config!r} ({', '.join(CONFIGS)})") from None
    return config


def create_app(config=None, **overrides) -> Flask:
    """Build the application. ``config`` is a profile name, a class, or None
    (``APP_CONFIG`` environment variable, default ``default``)."""
    # The factory imports every layer inside this function, on purpose: this
    # module is the package ``app`` itself, run by any ``import app.<module>``;
    # importing the layers here at module level would make every module
    # import the whole application (and the models the views).
    config_cls = _resolve_config(config)
    if hasattr(config_cls, "check"):
        config_cls.check()
    from app.infra.reprise import Application

    app = Application(__name__, instance_relative_config=False)
    app.config.from_object(config_cls)
    app.config.update(overrides)
    from config import completer_cles

    completer_cles(app.config)
    for folder in ("UPLOAD_FOLDER", "MAIL_FILE_DIR"):
        Path(app.config[folder]).mkdir(parents=True, exist_ok=True)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A connection killed while idle in the pool (server restarted) is
        # replaced before use, never handed to a request (issue #34).
        options = {"pool_pre_ping": True, "pool_recycle": app.config["SQLALCHEMY_POOL_RECYCLE"]}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options | app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})

    configurer_preparation(app.config.get("POSTGRESQL_PREPARER", True))
    db.init_app(app)
    from app.infra import reprise

    reprise.init_app(app)
    from app import models  # noqa: F401  (register every table on the metadata)

    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    from app.security import headers

    headers.init_app(app)

    with app.app_context():
        from flask_appbuilder import AppBuilder

        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        from app.views import register_views

        register_views(appbuilder)
        appbuilder.post_init()
        from app.views.console import init_backoffice

        init_backoffice(app)

    from app import cli, jobs, notifications
    from app.infra import errors, formatting, journal

    # The domains declare who may read their files (app.models.fichiers) when imported.
    from app.operations import aides, cvtheque, dossier, interventions, suggestions, support  # noqa: F401
    from app.referentiels import options
    from app.security import sessions
    from app.security.manager import init_session_events
    from app.views import api_parametres, cache_public, menu, metriques, sante, urls

    aides.init_app(app)
    errors.init_app(app)
    api_parametres.init_app(app)
    formatting.init_app(app)
    jobs.init_app(app)
    notifications.init_app(app)
    options.init_app(app)
    cache_public.init_app(app)
    suggestions.init_app(app)
    menu.init_app(app)
    urls.init_app(app)
    sante.init_app(app)
    journal.init_app(app)
    metriques.init_app(app)
    init_session_events(db.session)
    from app.models import fichiers

    fichiers.init_session_events(db.session)
    sessions.init_app(app)
    from app.security import deux_facteurs

    deux_facteurs.init_app(app)
    cli.init_app(app)
    from app.views import etat_des_vues

    etat_des_vues.init_app(app)  # last: the views as built, reset between tests (caches.vider_tout)
    return app
