"""Concurrent sign-ins on the embedded SQLite default (issue 33, point 5).

Sixteen people sign in at the same instant, half through the real form,
half through the API, against a SQLite file (as ``make run`` serves it):
none may get a server error (« database is locked »); each is signed in.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import PASSWORD, csrf_token_from

PERSONNES = 16


@pytest.fixture
def app_fichier(tmp_path):
    from app import create_app
    from app.security.sync import sync_roles

    base = tmp_path / "espace.db"
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{base}",
                             JWT_SECRET_KEY="cle-jwt-de-test-suffisamment-longue-0123456789",
                             UPLOAD_FOLDER=str(tmp_path / "u"), MAIL_FILE_DIR=str(tmp_path / "m"))
    with application.app_context():
        db.create_all()
        sync_roles()
        db.session.commit()
        db.session.remove()
    yield application, base
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _comptes(application) -> list[str]:
    from app.security.roles import INTERVENANT

    with application.app_context():
        sm = application.appbuilder.sm
        emails = [f"personne{i}@example.test" for i in range(PERSONNES)]
        for email in emails:
            assert sm.add_user(email, "Prénom", "Nom", email, sm.find_role(INTERVENANT), password=PASSWORD)
        db.session.commit()
        db.session.remove()
    return emails


def test_sqlite_file_connections_use_wal_and_wait_for_the_lock(app_fichier):
    application, base = app_fichier
    with application.app_context():
        connexion = db.session.connection()
        assert connexion.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connexion.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.session.remove()
    assert sqlite3.connect(base).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sixteen_simultaneous_sign_ins(app_fichier):
    application, _ = app_fichier
    emails = _comptes(application)
    depart = threading.Barrier(PERSONNES)
    resultats: dict[str, object] = {}

    def se_connecter(email: str, par_api: bool) -> None:
        client = application.test_client()
        try:
            if par_api:
                depart.wait(timeout=30)
                reponse = client.post("/api/v1/security/login",
                                      json={"username": email, "password": PASSWORD, "provider": "db"})
                resultats[email] = (302 if reponse.status_code == 200 else reponse.status_code, "")
                return
            page = client.get("/login/")
            jeton = csrf_token_from(page.get_data(as_text=True))
            depart.wait(timeout=30)
            reponse = client.post("/login/", data={"username": email, "password": PASSWORD, "csrf_token": jeton})
            resultats[email] = (reponse.status_code, reponse.headers.get("Location", ""))
        except Exception as erreur:  # noqa: BLE001  reported below, with the others
            resultats[email] = erreur

    fils = [threading.Thread(target=se_connecter, args=(email, rang % 2 == 1)) for rang, email in enumerate(emails)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=120)
    echecs = {email: r for email, r in resultats.items() if not (isinstance(r, tuple) and r[0] == 302
                                                                and "/login" not in r[1])}
    assert len(resultats) == PERSONNES and not echecs, echecs
