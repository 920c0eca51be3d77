"""Messagerie interne (issue 21): who may write to whom, and every change of a
message (send, draft, reply, forward, read, archive). Views and jobs call
these functions; the rule is written once, here, as SQL (``correspondants``),
and checked on every send, reply and forward.

The rule (FUNCTIONAL.md §9, manual §7), messaging being enabled per
structure (``Structure.messagerie_active``, set in the console):

- an intervenant whose inscription is validated writes to the gestionnaires
  of the structure it is attached to or of a structure whose annonce it
  applied or was invited to, where messaging is enabled;
- a gestionnaire whose structure has messaging enabled writes to the
  validated intervenants attached to its structure or who applied or were
  invited to one of its annonces (« Inviter à candidater », issue 37), and
  to the gestionnaires of the structures where messaging is enabled.

Structures come from ``app.security.scope`` (a gestionnaire's structure),
and so does « attached to or applied to an annonce of »
(``scope.lie_a_structure``). Only active accounts are correspondents.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import bindparam, exists, false, func, literal, or_, select, union_all, update

from app.extensions import db, preparee
from app.infra import caches
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.models.annonces import Annonce
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.models.messagerie import OBJET_MAX, TEXTE_MAX, DestinataireMessage, Message
from app.models.referentiels import Structure
from app.models.suggestions import InvitationAnnonce
from app.security.scope import lie_a_structure, structure_id_of_user
from app.workflows.core import WorkflowError

#: Suggestions returned at most by the recipients' search.
SUGGESTIONS_MAX = 20


class MessagerieRefusee(WorkflowError, ValueError):
    """A refused change, with its French message for the user."""


# -- who may write to whom ----------------------------------------------------
def _nom(user=User):
    return (user.first_name + literal(" ") + user.last_name)


def _gestionnaires(structures_where) -> object:
    """Active gestionnaires (user id, label) of the structures with messaging
    enabled matching ``structures_where``."""
    return (
        select(User.id.label("user_id"), (_nom() + literal(" (") + Structure.nom + literal(")")).label("nom"))
        .join(Gestionnaire, Gestionnaire.user_id == User.id)
        .join(Structure, Structure.id == Gestionnaire.structure_id)
        .where(User.active.is_(True), Structure.messagerie_active.is_(True), *structures_where)
    )


def correspondants(user_id: int):
    """The people ``user_id`` may write to, as a SELECT of (user_id, nom);
    an empty SELECT when they may write to nobody."""
    structure_id = structure_id_of_user(user_id)
    if structure_id is not None:  # a gestionnaire
        if not db.session.scalar(select(Structure.messagerie_active).where(Structure.id == structure_id)):
            return select(User.id.label("user_id"), _nom().label("nom")).where(false())
        # a trainer the structure invited to apply to one of its annonces (issue 37)
        invite = exists().where(
            InvitationAnnonce.intervenant_id == Intervenant.id, InvitationAnnonce.annonce_id == Annonce.id,
            Annonce.structure_id == structure_id,
        )
        intervenants = (
            select(User.id.label("user_id"), _nom().label("nom"))
            .join(Intervenant, Intervenant.user_id == User.id)
            .where(User.active.is_(True), Intervenant.etat_inscription == EtatInscription.validee,
                   lie_a_structure(Intervenant.id, Intervenant.structure_id, structure_id) | invite)
        )
        return union_all(intervenants, _gestionnaires([User.id != user_id]))
    intervenant = db.session.execute(
        select(Intervenant.id, Intervenant.structure_id, Intervenant.etat_inscription)
        .where(Intervenant.user_id == user_id)
    ).first()
    if intervenant is None or intervenant.etat_inscription != EtatInscription.validee:
        return select(User.id.label("user_id"), _nom().label("nom")).where(false())
    invite_par = exists().where(
        InvitationAnnonce.intervenant_id == intervenant.id, InvitationAnnonce.annonce_id == Annonce.id,
        Annonce.structure_id == Structure.id,
    )
    return _gestionnaires([lie_a_structure(intervenant.id, intervenant.structure_id, Structure.id) | invite_par])


def suggestions(user_id: int, texte: str) -> list[dict]:
    """Correspondents whose name contains ``texte`` (2 characters at least)."""
    texte = (texte or "").strip()
    if len(texte) < 2:
        return []
    possibles = correspondants(user_id).subquery()
    lignes = db.session.execute(
        select(possibles.c.user_id, possibles.c.nom)
        .where(possibles.c.nom.icontains(texte, autoescape=True))
        .order_by(possibles.c.nom).limit(SUGGESTIONS_MAX)
    )
    return [{"id": i, "nom": nom} for i, nom in lignes]


def verifier_destinataires(user_id: int, destinataire_ids: Iterable[int]) -> dict[int, str]:
    """The recipients with their names, or ``MessagerieRefusee`` if one of
    them is not a correspondent of ``user_id`` (a hand-made POST)."""
    ids = sorted(set(destinataire_ids))
    if not ids:
        raise MessagerieRefusee("Indiquez au moins un destinataire.")
    possibles = correspondants(user_id).subquery()
    noms = dict(db.session.execute(
        select(possibles.c.user_id, possibles.c.nom).where(possibles.c.user_id.in_(ids))).all())
    if len(noms) != len(ids):
        raise MessagerieRefusee(
            "Vous ne pouvez pas écrire à certains des destinataires choisis : la messagerie vous permet "
            "d'écrire aux gestionnaires de vos structures et, pour un gestionnaire, aux intervenants de sa "
            "structure ou ayant candidaté à ses annonces et aux autres gestionnaires."
        )
    return {i: noms[i] for i in ids}


# -- reading -------------------------------------------------------------------
@dataclass(frozen=True)
class Lecture:
    message: Message
    expediteur: str
    #: The reader is a recipient (may reply), else the sender.
    recu: bool


@functools.cache
def _requete_lecture():
    """The message, its sender's name and whether ``user`` holds a received
    copy not archived, in one statement built once per process (three
    round trips before: the message, the name, the copy)."""
    copie = exists().where(
        DestinataireMessage.message_id == Message.id, DestinataireMessage.destinataire_id == bindparam("user"),
        DestinataireMessage.recu.is_(True), DestinataireMessage.archive.is_(False))
    return preparee(
        select(Message, _nom().label("expediteur"), copie.label("copie"))
        .outerjoin(User, User.id == Message.expediteur_id)
        .where(Message.id == bindparam("message"))
    )


def message_lisible(user_id: int, message_id: int) -> Lecture | None:
    """The message if ``user_id`` sent it or received it (not archived for
    them); None otherwise (the view answers 404)."""
    ligne = db.session.execute(_requete_lecture(), {"user": user_id, "message": message_id}).first()
    if ligne is None:
        return None
    message, expediteur, copie = ligne
    expediteur = expediteur or ""
    if message.expediteur_id == user_id and not message.archive_expediteur:
        return Lecture(message, expediteur, False)
    if message.brouillon:
        return None
    return Lecture(message, expediteur, True) if copie else None


@functools.cache
def _marquer_lu():
    """The recipient's copy marked read, as one UPDATE built once per
    process: exactly the copies ``message_lisible`` reads as received."""
    dm, m = DestinataireMessage.__table__, Message.__table__
    recue = select(m.c.id).where(
        m.c.id == bindparam("message"), m.c.brouillon.is_(False),
        or_(m.c.expediteur_id != bindparam("user"), m.c.archive_expediteur.is_(True)))
    return preparee(update(dm).where(
        dm.c.message_id == bindparam("message"), dm.c.destinataire_id == bindparam("user"),
        dm.c.recu.is_(True), dm.c.archive.is_(False), dm.c.lu.is_(False), dm.c.message_id.in_(recue),
    ).values(lu=True))


def lire(user_id: int, message_id: int) -> Lecture | None:
    """Open a message: a received one is marked read.

    SQLite: a transaction that has already read (the request's user, the
    menu) cannot wait for the write lock and fails at once (« database is
    locked », make bench at 8 clients); the request's read transaction is
    ended first, so the write opens a new one and waits its turn."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    db.session.execute(_marquer_lu(), {"message": message_id, "user": user_id})
    return message_lisible(user_id, message_id)


# -- writing ---------------------------------------------------------------------
def _verifier_textes(objet: str, texte: str) -> tuple[str, str]:
    objet, texte = (objet or "").strip(), (texte or "").strip()
    if not objet or not texte:
        raise MessagerieRefusee("L'objet et le texte sont obligatoires.")
    if len(objet) > OBJET_MAX or len(texte) > TEXTE_MAX:
        raise MessagerieRefusee(f"L'objet est limité à {OBJET_MAX} caractères et le texte à {TEXTE_MAX}.")
    return objet, texte


def ecrire(user_id: int, destinataire_ids: Iterable[int], objet: str, texte: str, *, envoyer: bool,
           brouillon_id: int | None = None, reponse_a: int | None = None, transfert_de: int | None = None) -> Message:
    """Save a draft (``envoyer`` false) or send a message.

    ``brouillon_id``: the draft edited (a sent message reopened is sent as a
    new message). ``reponse_a``: a received message answered; its sender is
    the only recipient, whatever was posted. ``transfert_de``: a message the
    user sent or received, forwarded. The rule applies to every recipient."""
    objet, texte = _verifier_textes(objet, texte)
    origine_id = reponse_a or transfert_de
    if origine_id is not None:
        origine = message_lisible(user_id, origine_id)
        if origine is None or (reponse_a and not origine.recu):
            raise MessagerieRefusee("Ce message n'existe pas ou ne vous est pas adressé.")
        if reponse_a:
            destinataire_ids = [origine.message.expediteur_id]
    noms = verifier_destinataires(user_id, destinataire_ids)
    message = None
    if brouillon_id is not None:
        message = db.session.scalar(select(Message).where(
            Message.id == brouillon_id, Message.expediteur_id == user_id,
            Message.brouillon.is_(True), Message.archive_expediteur.is_(False)))
        if message is None:
            raise MessagerieRefusee("Ce brouillon n'existe pas ou n'est pas le vôtre.")
    if message is None:
        message = Message(expediteur_id=user_id, origine_id=origine_id)
        db.session.add(message)
    message.objet, message.texte, message.date = objet, texte, utcnow()
    message.brouillon = not envoyer
    message.destinataires_libelle = ", ".join(noms.values())[:1000]
    anciens = {d.destinataire_id: d for d in message.destinataires}
    for user_ancien, copie in anciens.items():
        if user_ancien not in noms:
            message.destinataires.remove(copie)
    for destinataire_id in noms:
        if destinataire_id not in anciens:
            message.destinataires.append(DestinataireMessage(destinataire_id=destinataire_id))
    if envoyer:
        for copie in message.destinataires:
            copie.recu, copie.date = True, message.date
        _alertes(user_id, message, noms)
    db.session.flush()
    return message


def envoyer_a_chacun(user_id: int, destinataire_ids: Iterable[int], objet: str, texte: str) -> dict[int, Message]:
    """Send the same message to each recipient separately (none sees the
    others' names), the rule checked once for all. No e-mail here: the
    caller (an invitation) writes its own, one per recipient."""
    objet, texte = _verifier_textes(objet, texte)
    noms = verifier_destinataires(user_id, destinataire_ids)
    date = utcnow()
    messages = {}
    for destinataire_id, nom in noms.items():
        message = Message(expediteur_id=user_id, objet=objet, texte=texte, date=date, brouillon=False,
                          destinataires_libelle=nom[:1000])
        message.destinataires.append(DestinataireMessage(destinataire_id=destinataire_id, recu=True, date=date))
        db.session.add(message)
        messages[destinataire_id] = message
    db.session.flush()
    return messages


def _alertes(user_id: int, message: Message, noms: dict[int, str]) -> None:
    """One e-mail per recipient, in the outbox in this transaction: the
    sender's name, the objet and a link, never the text."""
    expediteur = db.session.scalar(select(_nom()).where(User.id == user_id))
    adresses = db.session.execute(select(User.id, User.email).where(User.id.in_(list(noms)))).all()
    db.session.flush()  # the message's id for the link
    lien = external_url("ReceptionView.show", pk=message.id)
    for _, email in adresses:
        if email:
            queue_email(email, "message_recu", "Nouveau message dans votre Espace Intervenants",
                        expediteur=expediteur, objet=message.objet, lien=lien)


# -- bulk actions on one's own rows ----------------------------------------------
BOITES = ("reception", "envoyes", "brouillons")


def _ids(ids: Iterable) -> list[int]:
    try:
        return sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise MessagerieRefusee("Sélection invalide.") from exc


def _miens(user_id: int, boite: str, ids: list[int]):
    """The WHERE clauses of ``ids`` among the user's own rows of ``boite``."""
    if boite == "reception":
        return DestinataireMessage, [DestinataireMessage.destinataire_id == user_id,
                                     DestinataireMessage.message_id.in_(ids), DestinataireMessage.recu.is_(True)]
    return Message, [Message.expediteur_id == user_id, Message.id.in_(ids),
                     Message.brouillon.is_(boite == "brouillons")]


def appliquer_action(user_id: int, boite: str, action: str, ids: Iterable) -> int:
    """« archiver », « marquer_lu », « marquer_non_lu » on the selected
    messages of ``boite``; refused as a whole if one of them is not the
    user's (someone else's ids in a hand-made POST)."""
    ids = _ids(ids)
    if not ids:
        raise MessagerieRefusee("Sélectionnez au moins un message.")
    if boite not in BOITES or (boite != "reception" and action != "archiver") or \
            action not in ("archiver", "marquer_lu", "marquer_non_lu"):
        raise MessagerieRefusee("Action inconnue.")
    table, where = _miens(user_id, boite, ids)
    if db.session.scalar(select(func.count()).select_from(table).where(*where)) != len(ids):
        raise MessagerieRefusee("Certains des messages sélectionnés ne sont pas les vôtres : aucun n'a été modifié.")
    if table is Message:
        valeurs = {"archive_expediteur": True}
    else:
        valeurs = {"archiver": {"archive": True}, "marquer_lu": {"lu": True}, "marquer_non_lu": {"lu": False}}[action]
    db.session.execute(update(table).where(*where).values(**valeurs))
    return len(ids)


def non_lus_requete():
    """The unread count of a user (the menu's badge): one indexed count."""
    from sqlalchemy import bindparam

    return select(func.count()).select_from(DestinataireMessage).where(
        DestinataireMessage.destinataire_id == bindparam("badge_messages_user"),
        DestinataireMessage.recu.is_(True), DestinataireMessage.archive.is_(False),
        DestinataireMessage.lu.is_(False),
    )


def destinataires_libelles(user_id: int, ids: Iterable[int]) -> dict[int, str]:
    """Names of the given users among the correspondents (to redisplay a form)."""
    ids = _ids(ids)
    if not ids:
        return {}
    possibles = correspondants(user_id).subquery()
    return dict(db.session.execute(
        select(possibles.c.user_id, possibles.c.nom).where(possibles.c.user_id.in_(ids))).all())


caches.declarer_requete("messagerie.lecture", _requete_lecture)
caches.declarer_requete("messagerie.marquer_lu", _marquer_lu)

__all__ = [
    "OBJET_MAX", "TEXTE_MAX", "MessagerieRefusee", "appliquer_action", "correspondants", "ecrire", "lire",
    "message_lisible", "non_lus_requete", "suggestions", "verifier_destinataires",
]
