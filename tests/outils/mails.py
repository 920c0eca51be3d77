"""E-mails and jobs: a loopback SMTP server (``smtp``, ``smtp_server``, ``smtp_down``), the outbox clock, Redis queues emptied around a test (``rq_queues``, autouse where imported), ``run_jobs`` (an rq worker in-process in Redis mode), the outbox's rows, free ports."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from rq import SimpleWorker
from sqlalchemy import select

from app.extensions import db
from app.infra import mail
from app.jobs import get_queue, redis_connection
from app.models.outbox import OutboxMessage


def free_port() -> int:
    """A loopback port nobody listens on (SMTP "down")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CollectingHandler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp(app, monkeypatch, smtp_server):
    """The app sends to the loopback SMTP server."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    return smtp_server


@pytest.fixture
def smtp_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)


@pytest.fixture
def clock(monkeypatch):
    """The outbox clock, movable forward."""
    state = SimpleNamespace(offset=timedelta(0))
    real_now = mail.now

    def fake_now():
        return real_now() + state.offset

    def advance(seconds: float) -> None:
        state.offset += timedelta(seconds=seconds)

    monkeypatch.setattr(mail, "now", fake_now)
    state.advance = advance
    state.now = fake_now
    return state


@pytest.fixture(autouse=True)
def rq_queues(app):
    """Redis mode: empty the (dedicated) test database around each test."""
    if not app.config.get("REDIS_URL"):
        yield None
        return
    connection = redis_connection()
    connection.flushdb()
    yield connection
    connection.flushdb()


def redis_mode(app) -> bool:
    return bool(app.config.get("REDIS_URL"))


def run_jobs(app, *, with_scheduler: bool = False) -> None:
    """Redis mode: run what is queued with a real rq worker, in-process (it
    shares the test's transaction). Inline mode: jobs already ran."""
    if not redis_mode(app):
        return
    queues = [get_queue(name) for name in app.config["RQ_QUEUES"]]
    SimpleWorker(queues, connection=redis_connection()).work(burst=True, with_scheduler=with_scheduler)


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def queue_test_email(to="helene.dupre@example.test", **extra) -> OutboxMessage:
    return mail.queue_email(
        to,
        "inscription_decision",
        "Votre inscription à l'Espace Intervenants du CNFPT est validée",
        intervenant=SimpleNamespace(prenom="Hélène", nom_usage="Dupré-Çelik"),
        evenement="valider",
        commentaire="Très bon dossier, à bientôt !",
        structure="Délégation Provence-Alpes-Côte d'Azur",
        lien="http://localhost/mon-profil/",
        **extra,
    )


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def port_de_test() -> int:
    """A free loopback port of 5750-5799 (the range given to these tests)."""
    for port in range(5750, 5800):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("aucun port libre entre 5750 et 5799")
