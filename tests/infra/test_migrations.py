"""Migrations: upgrade creates everything, downgrade removes it, and the
models match the migrations (an autogenerate would find nothing)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.models import migration_object_filter
from app.models.comptes import OBJETS_POSTGRESQL
from app.models.dossier import INDEX_FILE_DOSSIERS

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def _fresh_postgres_url():
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return None
    name = f"mig_{uuid.uuid4().hex[:12]}"
    return base, name, base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    spec = _fresh_postgres_url()
    if spec is None:
        pytest.skip("TEST_DATABASE_URL (PostgreSQL) non défini : passe SQLite seulement")
    base, name, url = spec
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _objets_postgresql(conn) -> dict[str, str]:
    """Definitions of the PostgreSQL-only objects that the models create by DDL
    and the metadata comparison leaves out: columns, indexes, triggers and
    their functions."""
    rows = conn.execute(
        sa.text(
            """
            SELECT 'colonne ' || a.attname, format_type(a.atttypid, a.atttypmod) || ' not null=' || a.attnotnull
                   || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = to_regclass('intervenant') AND a.attname = ANY (:noms) AND NOT a.attisdropped
            UNION ALL
            SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE indexname = ANY (:noms)
            UNION ALL
            SELECT 'trigger ' || tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL
            SELECT 'fonction ' || proname, pg_get_functiondef(oid) FROM pg_proc
            WHERE pronamespace = 'public'::regnamespace
            """
        ),
        {"noms": sorted({*OBJETS_POSTGRESQL, *INDEX_FILE_DOSSIERS})},
    )
    return dict(rows.all())


def test_revision_files_are_date_prefixed():
    files = [p.name for p in VERSIONS.glob("*.py")]
    assert files, "aucune migration"
    for name in files:
        assert re.match(r"^\d{8}_\d{4}_[0-9a-f]+_\w+\.py$", name), name


def test_upgrade_matches_models_and_downgrade_removes_everything(fresh_database, tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=fresh_database,
        UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_FILE_DIR=str(tmp_path / "m"),
    )
    with app.app_context():
        engine = db.engine
        upgrade()
        tables = set(sa.inspect(engine).get_table_names())
        expected = set(db.metadata.tables)
        assert expected <= tables, f"tables manquantes : {expected - tables}"
        assert {"ab_user", "ab_role", "ab_permission_view"} <= tables  # FAB's own tables included
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={"compare_type": True, "include_object": migration_object_filter()},
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"modèles et migrations diffèrent : {diff}"
        if engine.dialect.name == "postgresql":
            # Same PostgreSQL-only objects as db.create_all (the session's test database).
            modeles = sa.create_engine(os.environ["TEST_DATABASE_URL"])
            with engine.connect() as conn, modeles.connect() as attendu:
                migrees = _objets_postgresql(conn)
                assert migrees == _objets_postgresql(attendu)
            modeles.dispose()
            assert {f"index {nom}" for nom in OBJETS_POSTGRESQL if nom.startswith("ix_")} <= migrees.keys()
            assert any(nom.startswith("trigger ") for nom in migrees)
        downgrade(revision="base")
        remaining = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                assert _objets_postgresql(conn) == {}
        engine.dispose()
