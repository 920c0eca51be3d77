"""Reminder and auto-archive of « complément demandé » requests (issue #4)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.jobs.inscription import archiver_complements, relancer_complements
from app.models.comptes import EtatInscription
from app.models.outbox import OutboxMessage
from app.workflows.core import Acteur
from app.workflows.inscription import inscription
from tests.outils.comptes import complement_demande, travel


def _relances(email):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "inscription_relance", OutboxMessage.recipients == email)
    ).all()


def test_reminder_two_weeks_before_then_archive(factory, monkeypatch):
    user, profil = complement_demande(factory)
    travel(monkeypatch, 30)
    assert relancer_complements() == 0
    assert archiver_complements() == 0

    travel(monkeypatch, 48)
    assert relancer_complements() == 1
    assert relancer_complements() == 0  # only once
    assert len(_relances(user.email)) == 1
    assert archiver_complements() == 0

    travel(monkeypatch, 62)
    assert archiver_complements() == 1
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.archivee
    assert inscription.history(profil)[-1].evenement == "archiver"


def test_retransmitted_request_is_not_archived(factory, monkeypatch):
    user, profil = complement_demande(factory)
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    travel(monkeypatch, 90)
    assert archiver_complements() == 0
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.transmise
