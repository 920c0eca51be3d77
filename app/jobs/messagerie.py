"""Messagerie (issue 21, point 6): a gestionnaire's message to the applicants
of an annonce, each getting their own copy (and replying to the sender only).

The request records the message and its targets (one INSERT … SELECT of
recipient rows, not yet received) in one transaction; a job then delivers the
copies by batches: each batch marks its rows received and writes their e-mail
alerts to the outbox in one transaction. A retried job only takes the rows
still pending: no copy nor alert is ever written twice. Progress is the share
of received rows (the sender's progress page). ``relancer_envois`` (cron)
takes the messages whose job could not be queued.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import false, func, literal, select, update

from app.extensions import db
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.jobs import enqueue, job
from app.models.annonces import Annonce, Candidature
from app.models.base import utcnow
from app.models.comptes import Intervenant
from app.models.messagerie import DestinataireMessage, Message
from app.operations.messagerie import MessagerieRefusee, _nom, _verifier_textes, correspondants
from app.security.scope import dans_ma_structure

log = logging.getLogger(__name__)
#: Copies delivered per transaction (``MESSAGERIE_TAILLE_LOT``).
TAILLE_LOT = 200


def annonce_des_candidatures(annonce_id: int | None, candidature_ids: list[int]) -> Annonce | None:
    """The annonce of the selection (one annonce, in the user's structure), or None."""
    if candidature_ids:
        annonces = set(db.session.scalars(select(Candidature.annonce_id).where(Candidature.id.in_(candidature_ids))))
        if len(annonces) != 1 or (annonce_id is not None and annonces != {annonce_id}):
            return None
        annonce_id = annonces.pop()
    annonce = db.session.get(Annonce, annonce_id) if annonce_id is not None else None
    return annonce if annonce is not None and dans_ma_structure(annonce.structure_id) else None


def ecrire_aux_candidats(user_id: int, annonce: Annonce, candidature_ids: list[int] | None,
                         objet: str, texte: str) -> Message:
    """Record the message and its targets (the applicants, all or the
    selected ones, among the user's correspondents); the caller commits,
    then ``planifier(message.id)``."""
    objet, texte = _verifier_textes(objet, texte)
    possibles = correspondants(user_id).subquery()
    cibles = (
        select(Intervenant.user_id)
        .join(Candidature, Candidature.intervenant_id == Intervenant.id)
        .where(Candidature.annonce_id == annonce.id, Intervenant.user_id.in_(select(possibles.c.user_id)))
        .distinct()
    )
    if candidature_ids:
        cibles = cibles.where(Candidature.id.in_(candidature_ids))
    if not db.session.scalar(select(func.count()).select_from(cibles.subquery())):
        raise MessagerieRefusee("Aucun des candidats choisis ne peut recevoir de message.")
    message = Message(expediteur_id=user_id, objet=objet, texte=texte, brouillon=False, date=utcnow(),
                      destinataires_libelle=f"Candidats à l'annonce N° {annonce.numero}")
    db.session.add(message)
    db.session.flush()
    db.session.execute(DestinataireMessage.__table__.insert().from_select(
        ["message_id", "destinataire_id", "date", "recu", "lu", "archive"],
        select(literal(message.id), cibles.subquery().c.user_id, literal(message.date), false(), false(), false())))
    return message


def progression(user_id: int, message_id: int) -> tuple[int, int] | None:
    """(copies delivered, copies in all) of the user's message, or None."""
    if db.session.scalar(select(Message.expediteur_id).where(Message.id == message_id)) != user_id:
        return None
    ligne = db.session.execute(
        select(func.count(), func.coalesce(func.sum(DestinataireMessage.recu.cast(db.Integer)), 0))
        .where(DestinataireMessage.message_id == message_id)).one()
    return int(ligne[1]), int(ligne[0])


def planifier(message_id: int) -> None:
    """Queue the delivery (after the commit); if Redis is down the rows stay
    pending and ``relancer_envois`` takes them."""
    try:
        enqueue(distribuer, message_id)
    except Exception:
        log.exception("Message %s : distribution impossible à planifier.", message_id)


@job
def distribuer(message_id: int) -> int:
    """Deliver the pending copies of a message, batch by batch."""
    taille = current_app.config.get("MESSAGERIE_TAILLE_LOT", TAILLE_LOT)
    message = db.session.get(Message, message_id)
    if message is None:
        return 0
    expediteur = db.session.scalar(select(_nom()).where(User.id == message.expediteur_id))
    objet, date = message.objet, message.date
    lien = external_url("ReceptionView.show", pk=message_id)
    total = 0
    while True:
        lot = db.session.execute(
            select(DestinataireMessage.id, User.email)
            .join(User, User.id == DestinataireMessage.destinataire_id)
            .where(DestinataireMessage.message_id == message_id, DestinataireMessage.recu.is_(False))
            .order_by(DestinataireMessage.id).limit(taille)
            .with_for_update(skip_locked=True, of=DestinataireMessage)
        ).all()
        if not lot:
            db.session.rollback()
            return total
        db.session.execute(update(DestinataireMessage).where(
            DestinataireMessage.id.in_([i for i, _ in lot]), DestinataireMessage.recu.is_(False))
            .values(recu=True, date=date))
        for _, email in lot:
            if email:
                queue_email(email, "message_recu", "Nouveau message dans votre Espace Intervenants",
                            expediteur=expediteur, objet=objet, lien=lien)
        db.session.commit()
        total += len(lot)


@job
def relancer_envois() -> int:
    """Periodic safety net: the messages with copies still pending."""
    ids = db.session.scalars(select(DestinataireMessage.message_id).join(Message)
                             .where(DestinataireMessage.recu.is_(False), Message.brouillon.is_(False))
                             .distinct()).all()
    for message_id in ids:
        planifier(message_id)
    return len(ids)
