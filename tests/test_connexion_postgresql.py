"""Settings of every PostgreSQL connection (app.extensions.REGLAGES_POSTGRESQL)."""

from __future__ import annotations

from sqlalchemy import literal_column, select, text

from app.extensions import REGLAGES_POSTGRESQL, db
from app.models.comptes import Intervenant
from tests.conftest import postgresql_only

pytestmark = postgresql_only


def test_every_connection_gets_the_settings(app):
    conn = db.session.connection()  # the test's connection, from the app's engine
    for nom, valeur in REGLAGES_POSTGRESQL.items():
        assert conn.scalar(text("SELECT current_setting(:nom)"), {"nom": nom}) == valeur
    assert conn.connection.dbapi_connection.prepare_threshold is None


def test_a_repeated_statement_is_still_planned_with_its_values(app):
    """psycopg would prepare a statement run 5 times, and PostgreSQL then keep
    a generic plan after 5 more (issue #6: 30-57 ms counts): none here."""
    conn = db.session.connection()
    requete = select(Intervenant.id, literal_column("'essai_plan_generique'")).where(Intervenant.id == 1)
    for k in range(15):
        conn.execute(requete.params(id_1=k)).all()
    generiques = conn.scalar(
        text("SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements WHERE statement LIKE :marque"),
        {"marque": "%essai_plan_generique%"},
    )
    assert generiques == 0
