"""Alembic environment over FAB's metadata (FAB's ab_* tables included).

Run through Flask-Migrate: ``flask --app app db upgrade``. The application
factory never migrates by itself.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.models import migration_object_filter

config = context.config
if config.config_file_name:
    # Keep the application's loggers (tests capture them).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    return target_db.engine


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    url = get_engine().url.render_as_string(hide_password=False)
    context.configure(
        url=url,
        target_metadata=get_metadata(),
        literal_binds=True,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),
        include_object=migration_object_filter(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # No empty revision files from autogenerate.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["compare_type"] = True

    with get_engine().connect() as connection:
        conf_args["render_as_batch"] = connection.dialect.name == "sqlite"
        conf_args.setdefault("include_object", migration_object_filter())
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
