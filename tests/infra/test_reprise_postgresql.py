"""Issue #34, PostgreSQL: a database restart costs no request, and a
connection cut between the SMTP server's acceptance and the « sent » commit
sends no second e-mail.

The application under test has its own pool on TEST_DATABASE_URL (the
shared fixture's single connection cannot be killed); its connections carry
``application_name`` so that only they are terminated (``pg_terminate_backend``,
what a server restart does to them).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import g
from flask_appbuilder.security.sqla.models import Role

from app.extensions import db
from app.infra import mail
from app.models.outbox import OutboxMessage, OutboxStatus
from tests.conftest import postgresql_only
from tests.outils.mails import CollectingHandler, port_de_test

pytestmark = postgresql_only

NOM = "espace_test_reprise"


@pytest.fixture(scope="module")
def admin():
    import os

    engine = sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    yield engine
    engine.dispose()


def couper(admin) -> int:
    """Terminate every connection of the application under test."""
    with admin.connect() as conn:
        return conn.scalar(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE application_name = :n AND pid <> pg_backend_pid()"), {"n": NOM})


@pytest.fixture(scope="module")
def app_reelle(app, tmp_path_factory):
    import os

    from app import create_app

    tmp = tmp_path_factory.mktemp("reprise")
    reelle = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=os.environ["TEST_DATABASE_URL"], REDIS_URL=None,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"application_name": NOM}, "pool_size": 2},
        CACHE_PAGES_PUBLIQUES_SECONDES=0, UPLOAD_FOLDER=str(tmp / "u"), MAIL_FILE_DIR=str(tmp / "m"),
    )
    etat = {"coupures": 0}

    @reelle.get("/test-reprise/lecture")
    def lecture():
        return str(db.session.scalar(sa.text("SELECT count(*) FROM ab_role")))

    @reelle.get("/test-reprise/coupee-en-lisant")
    def coupee_en_lisant():
        # Like the signed-in user: an ORM object kept in ``g`` by the request.
        if "role" not in g:
            g.role = db.session.scalars(sa.select(Role).order_by(Role.id)).first()
        if not etat.get("deja_coupee"):
            etat["deja_coupee"] = True
            etat["coupures"] += couper(etat["admin"])
        return str(len(g.role.permissions))  # lazy load after the cut

    @reelle.post("/test-reprise/coupee-apres-ecriture")
    def coupee_apres_ecriture():
        db.session.execute(sa.text("CREATE TEMPORARY TABLE trace_reprise (n int)"))
        db.session.execute(sa.text("INSERT INTO trace_reprise VALUES (1)"))
        etat["ecritures"] = etat.get("ecritures", 0) + 1
        etat["coupures"] += couper(etat["admin"])
        db.session.scalar(sa.text("SELECT count(*) FROM trace_reprise"))
        return "écrit"

    reelle.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)  # error pages as in production
    reelle.etat_test = etat
    yield reelle
    with reelle.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_pool_checks_and_recycles_postgresql_connections(app_reelle):
    with app_reelle.app_context():
        assert db.engine.pool._pre_ping is True
        assert db.engine.pool._recycle == app_reelle.config["SQLALCHEMY_POOL_RECYCLE"] == 1800


def test_connections_terminated_between_requests_cost_no_request(app_reelle, admin):
    client = app_reelle.test_client()
    for _ in range(3):  # the pool holds connections to kill
        assert client.get("/test-reprise/lecture").status_code == 200
        assert client.get("/").status_code == 200
    for _ in range(3):
        assert couper(admin) >= 1
        assert [client.get("/test-reprise/lecture").status_code for _ in range(3)] == [200] * 3
        assert client.get("/").status_code == 200


def test_a_connection_terminated_during_a_reading_request_is_retried_once(app_reelle, admin):
    app_reelle.etat_test["admin"] = admin
    client = app_reelle.test_client()
    reponse = client.get("/test-reprise/coupee-en-lisant")
    assert reponse.status_code == 200 and int(reponse.get_data(as_text=True)) >= 0
    assert app_reelle.etat_test["coupures"] >= 1
    assert client.get("/test-reprise/lecture").status_code == 200


def test_a_request_that_wrote_is_not_retried_and_gets_the_french_page(app_reelle, admin):
    app_reelle.etat_test["admin"] = admin
    client = app_reelle.test_client()
    reponse = client.post("/test-reprise/coupee-apres-ecriture")
    assert reponse.status_code == 500
    texte = reponse.get_data(as_text=True)
    assert "Erreur du serveur" in texte and "Internal Server Error" not in texte
    assert app_reelle.etat_test["ecritures"] == 1  # run once: never replayed after a write
    assert client.get("/test-reprise/lecture").status_code == 200


def test_a_connection_cut_between_the_acceptance_and_the_commit_sends_one_email(app_reelle, admin, monkeypatch):
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port_de_test())
    controller.start()
    monkeypatch.setitem(app_reelle.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app_reelle.config, "MAIL_PORT", controller.port)
    monkeypatch.setattr(mail, "REPRISES_ENVOYE", (0.1, 0.2))
    vrai_envoi = mail._send_smtp
    coupures = []

    def envoi_puis_coupure(email, config):
        smtp = vrai_envoi(email, config)  # the server answered 250
        coupures.append(couper(admin))  # the database drops before « sent » is committed
        return smtp

    monkeypatch.setattr(mail, "_send_smtp", envoi_puis_coupure)
    ligne = None
    try:
        with app_reelle.app_context():
            ligne = mail.queue_email("coupure@example.test", "inscription_decision", "Décision",
                                     intervenant={"prenom": "Léa", "nom_usage": "Coupure"}, evenement="valider", commentaire="", structure="DR",
                                     lien="http://localhost/")
            db.session.commit()  # dispatched inline: sent, cut, recorded on a fresh connection
            ident = ligne.id
            db.session.remove()
            assert coupures and coupures[0] >= 1
            assert db.session.get(OutboxMessage, ident).status is OutboxStatus.sent
            # Past the lease, the periodic re-dispatch finds nothing to send again.
            plus_tard = mail.now() + timedelta(seconds=app_reelle.config["MAIL_SENDING_LEASE"] + 60)
            monkeypatch.setattr(mail, "now", lambda: plus_tard)
            assert mail.due_messages() == {}
            from app.jobs import redispatch_pending

            redispatch_pending()
        assert len(handler.messages) == 1
    finally:
        controller.stop()
        if ligne is not None:
            with app_reelle.app_context():
                db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipients == "coupure@example.test"))
                db.session.commit()
