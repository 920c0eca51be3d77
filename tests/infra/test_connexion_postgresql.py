"""Settings of every PostgreSQL connection (app.extensions.REGLAGES_POSTGRESQL)."""

from __future__ import annotations

from sqlalchemy import literal_column, select, text

from app.extensions import PREPARER, REGLAGES_POSTGRESQL, db, preparee
from app.models.comptes import TEXTE_PARCOURS_TSV, Intervenant
from tests.conftest import postgresql_only

pytestmark = postgresql_only


def test_every_connection_gets_the_settings(app):
    conn = db.session.connection()  # the test's connection, from the app's engine
    for nom, valeur in REGLAGES_POSTGRESQL.items():
        assert conn.scalar(text("SELECT current_setting(:nom)"), {"nom": nom}) == valeur
    # a threshold never reached: psycopg prepares only what asks (preparee)
    assert conn.connection.dbapi_connection.prepare_threshold >= 2**31 - 1


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


def _prepares(conn, marque: str) -> list[tuple[int, int]]:
    return conn.execute(
        text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :marque"),
        {"marque": f"%{marque}%"},
    ).all()


def test_a_marked_statement_is_prepared_at_its_first_run(app):
    """``preparee``: planned once per connection (the signed-in user's
    statement took 0.6 ms to plan at each request, issue #6)."""
    conn = db.session.connection()
    requete = preparee(select(Intervenant.id, literal_column("'essai_preparee'")).where(Intervenant.id == 1))
    conn.execute(requete).all()
    assert len(_prepares(conn, "essai_preparee")) == 1
    for k in range(3):
        conn.execute(requete.params(id_1=k)).all()
    assert len(_prepares(conn, "essai_preparee")) == 1


def test_the_pages_statements_marked_and_not_the_cvtheque(app, login_as):
    """The statements run at each request with one plan for all values are
    marked; the CV-thèque's, whose plans depend on the values, are not."""
    from app.models.base import references_liees
    from app.models.comptes import intervenant_specialite
    from app.models.parcours import _requete_parcours
    from app.security.manager import _requete_utilisateur
    from app.security.scope import _requete_intervenant
    from app.views.annonces_gestion import _requete_annonce
    from app.views.candidatures import MES_REPONSES
    from app.views.candidatures_annonce import CANDIDATURES
    from app.views.file_inscriptions import DEMANDES

    marquees = [
        _requete_utilisateur(app.appbuilder.sm.user_model, True, True), _requete_intervenant(), _requete_parcours(),
        _requete_annonce(), *CANDIDATURES.requetes(True, "date", "desc"), *DEMANDES.requetes(False, "date", "desc"),
        references_liees({"s": intervenant_specialite}),
        *MES_REPONSES.requetes(True, "date", "desc"),
    ]
    assert all(r.get_execution_options().get(PREPARER) for r in marquees)

    client = login_as("gestionnaire")
    for _ in range(6):  # past psycopg's and PostgreSQL's thresholds of 5
        assert client.get("/cvtheque/?q=formation&specialite=1").status_code == 200
    conn = db.session.connection()
    # the requests ran on this connection: the user's statement is there
    assert _prepares(conn, "FROM ab_user"), "the request used another connection"
    assert _prepares(conn, TEXTE_PARCOURS_TSV) == []


def test_preparation_off_prepares_nothing(app, monkeypatch):
    """``POSTGRESQL_PREPARER`` off (transaction-mode pooler): even a marked
    statement is planned at each run, never prepared on the connection."""
    from app.extensions import _preparation

    monkeypatch.setitem(_preparation, "active", False)
    conn = db.session.connection()
    requete = preparee(select(Intervenant.id, literal_column("'essai_sans_preparation'")).where(Intervenant.id == 1))
    for k in range(3):
        conn.execute(requete.params(id_1=k)).all()
    assert _prepares(conn, "essai_sans_preparation") == []


def test_the_setting_switches_preparation(monkeypatch):
    from app import create_app
    from app.extensions import _preparation

    monkeypatch.setitem(_preparation, "active", True)
    create_app("testing", POSTGRESQL_PREPARER=False)
    assert _preparation["active"] is False
