"""The demo data's busiest rows (the intervenant with most rows, the fullest mailbox): what the query-count and benchmark tests measure on."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.annonces import Candidature
from app.models.comptes import EtatInscription, Intervenant
from app.models.messagerie import DestinataireMessage


def intervenant_le_plus_actif() -> Intervenant:
    """The generated profile with the most candidatures (the biggest dashboard)."""
    pid = db.session.scalar(
        sa.select(Candidature.intervenant_id)
        .join(Intervenant, Intervenant.id == Candidature.intervenant_id)
        .group_by(Candidature.intervenant_id)
        .order_by(sa.func.count().desc(), Candidature.intervenant_id)
        .limit(1)
    )
    return db.session.get(Intervenant, pid)


def boite_la_plus_remplie() -> tuple[int, int]:
    """The validated intervenant with the most messages in the inbox, and one of them."""
    uid = db.session.scalar(
        sa.select(DestinataireMessage.destinataire_id)
        .join(Intervenant, Intervenant.user_id == DestinataireMessage.destinataire_id)
        .where(Intervenant.etat_inscription == EtatInscription.validee, DestinataireMessage.archive.is_(False))
        .group_by(DestinataireMessage.destinataire_id)
        .order_by(sa.func.count().desc(), DestinataireMessage.destinataire_id).limit(1)
    )
    mid = db.session.scalar(sa.select(DestinataireMessage.message_id).where(
        DestinataireMessage.destinataire_id == uid, DestinataireMessage.archive.is_(False)).limit(1))
    return uid, mid
