"""Issue #26: with Redis unreachable, signing in, « Mot de passe oublié » and
the registration keep working. The rate limiter counts in memory (and says so
in the log) and still limits; e-mails that cannot be enqueued stay pending
for the periodic re-dispatch.

The application under test has production's wiring: limiter storage and job
queues on Redis, here a closed port of the loopback (connection refused), and
a SQLite file of its own.
"""

from __future__ import annotations

import logging
import socket
from datetime import date

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.models.comptes import Intervenant
from app.models.outbox import OutboxMessage, OutboxStatus
from app.security.roles import INTERVENANT
from tests.conftest import PASSWORD, csrf_token_from
from tests.outils.comptes import TEST_ANSWER, hidden, open_documents, registration_data

EMAIL = "redis.absent@example.test"


def _port_ferme() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: connection refused


@pytest.fixture(scope="module")
def app_sans_redis(tmp_path_factory):
    yield from _app_sans_redis(tmp_path_factory)


@pytest.fixture
def app_sans_redis_neuve(tmp_path_factory):
    """An app of its own: the limiter logs its fallback once, at the first
    request that finds Redis down, whichever test of the module made it."""
    yield from _app_sans_redis(tmp_path_factory)


def _app_sans_redis(tmp_path_factory):
    from app import create_app
    from app.security.sync import sync_roles

    tmp_path = tmp_path_factory.mktemp("sans-redis")
    redis_ferme = f"redis://127.0.0.1:{_port_ferme()}/0"
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'sans-redis.db'}",
        REDIS_URL=redis_ferme,
        RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMITED=True,
        RATELIMIT_STORAGE_URI=redis_ferme,
        AUTH_RATE_LIMIT="4 per minute",
        CAPTCHA_TEST_ANSWER=TEST_ANSWER,
        UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_FILE_DIR=str(tmp_path / "m"),
    )
    with app.app_context():
        db.create_all()
        sync_roles()
        sm = app.appbuilder.sm
        user = sm.add_user(EMAIL, "Rose", "Absente", EMAIL, sm.find_role(INTERVENANT), password=PASSWORD)
        db.session.add(Intervenant(user_id=user.id, civilite="Mme", nom_naissance="Absente", nom_usage="Absente",
                                   prenom="Rose", date_naissance=date(1980, 5, 17)))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _poster(client, url: str, data: dict):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token_from(html), **data})


def test_login_with_redis_down_works_and_is_still_limited(app_sans_redis_neuve, caplog):
    client = app_sans_redis_neuve.test_client()
    with caplog.at_level(logging.WARNING):
        connexion = _poster(client, "/login/", {"username": EMAIL, "password": PASSWORD})
    assert connexion.status_code == 302  # signed in, not a 500
    assert "falling back to in-memory storage" in caplog.text
    # The limit still holds, counted in this process's memory.
    client = app_sans_redis_neuve.test_client()
    statuts = [_poster(client, "/login/", {"username": EMAIL, "password": "faux"}).status_code for _ in range(5)]
    # AUTH_RATE_LIMIT « 4 per minute » counts the failed attempts (not the
    # sign-ins: app.security.auth.limiter_connexions): the fifth is refused.
    assert all(s in (200, 302) for s in statuts[:4]) and statuts[-1] == 429, statuts


def test_forgot_password_with_redis_down_keeps_the_email_pending(app_sans_redis, caplog):
    client = app_sans_redis.test_client()
    html = client.get("/mot-de-passe-oublie").get_data(as_text=True)
    with caplog.at_level(logging.WARNING):
        response = client.post("/mot-de-passe-oublie", data={
            "csrf_token": csrf_token_from(html), "captcha_id": hidden(html, "captcha_id"),
            "captcha": TEST_ANSWER, "email": EMAIL,
        })
    assert response.status_code == 200
    assert "File de tâches indisponible" in caplog.text
    with app_sans_redis.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == EMAIL))
        assert message.status is OutboxStatus.pending and message.attempts == 0  # for the redispatch


def test_registration_with_redis_down(app_sans_redis):
    client = app_sans_redis.test_client()
    html = client.get("/inscription").get_data(as_text=True)
    open_documents(client)
    data = registration_data(csrf_token=csrf_token_from(html), captcha_id=hidden(html, "captcha_id"))
    response = client.post("/inscription", data=data)
    assert response.status_code in (200, 302)
    with app_sans_redis.app_context():
        assert db.session.scalar(select(User).where(User.email == data["email"])) is not None
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == data["email"]))
        assert message.status is OutboxStatus.pending
