"""Leaving (« Me désinscrire »): a signed-in client, the confirmation, the account's state, the last e-mail of a template, and ``voyager`` (the clock moved by days)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import base
from app.models.authentification import EtatCompteUtilisateur
from app.models.outbox import OutboxMessage
from app.workflows import compte as cycle_compte
from tests.conftest import csrf_token_from, sign_in

URL = "/mon-compte/me-desinscrire"


def client_de(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def dernier_mail(email: str, modele: str) -> OutboxMessage:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == email,
                                                            OutboxMessage.template == modele)
                                .order_by(OutboxMessage.id.desc()).limit(1))
    assert message is not None, f"pas d'e-mail {modele} pour {email}"
    return message


def etat_compte(user) -> EtatCompteUtilisateur:
    return cycle_compte.etat_de(cycle_compte.etat_du_compte(user.id))


def confirmer(client):
    page = client.get(URL)
    return client.post(URL, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})


MAINTENANT = base.utcnow  # the real clock, whatever a test patched


def voyager(monkeypatch, jours: int):
    monkeypatch.setattr(base, "utcnow", lambda: MAINTENANT() + timedelta(days=jours))
