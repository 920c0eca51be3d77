"""Operations of the support desk « Aide et contact » (manual §6, issue 22):
the one place that creates, numbers, routes and answers requests. Views and
jobs call these functions; states change only through
``app.workflows.support``; every e-mail goes through the outbox in the
caller's transaction (no commit here).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.infra.liens import external_url
from app.infra.mail import Secret, queue_email
from app.infra.uploads import PIECE_JOINTE_SUPPORT
from app.models import base
from app.models.authentification import hash_token
from app.models.comptes import Gestionnaire
from app.models.fichiers import Fichier, declarer_lecteur, store_upload
from app.models.referentiels import TypeDemandeSupport
from app.models.roles import adresses_du_role
from app.models.support import DemandeSupport, EtatDemandeSupport, MessageSupport
from app.operations import depart
from app.security.roles import ADMIN_NATIONAL, PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.core import Acteur, GardeRefusee
from app.workflows.support import demandeur, support

#: Validity of the anonymous requester's confirmation link.
VALIDITE_CONFIRMATION = timedelta(hours=48)
#: Unconfirmed requests are deleted after this delay (job).
DELAI_PURGE = timedelta(days=7)
#: No reply this long after a request for information: closed (job).
DELAI_CLOTURE = timedelta(days=30)
#: Validity of a « Consulter l'historique » link (a new one with each answer).
VALIDITE_HISTORIQUE = timedelta(days=60)
TENTATIVES_NUMERO = 5
SEL_HISTORIQUE = "support-historique"


def types_nationaux() -> set[int]:
    """The types that go to « Administrateur national » whatever is chosen."""
    return set(db.session.scalars(
        select(TypeDemandeSupport.id).where(TypeDemandeSupport.destinataire == "NATIONAL")))


def structure_destinataire(type_id: int, structure_choisie) -> int | None:
    """The structure a request goes to (None: « Administrateur national »)."""
    if type_id in types_nationaux() or structure_choisie == "national":
        return None
    return structure_choisie


def _prochain_numero() -> str:
    """AAMMJJ then the day's sequence on four digits (« 1806258942 »)."""
    prefixe = base.utcnow().strftime("%y%m%d")
    dernier = db.session.scalar(
        select(func.max(DemandeSupport.numero)).where(DemandeSupport.numero.like(prefixe + "%")))
    suivant = int(dernier[6:]) + 1 if dernier else 1
    if suivant > 9999:
        raise RuntimeError("Plus de 9 999 demandes de support aujourd'hui.")
    return f"{prefixe}{suivant:04d}"


def _numeroter(demande: DemandeSupport) -> None:
    """Give the request the next number; a concurrent request that took it
    first makes the unique index refuse this insert: try the next one."""
    for _ in range(TENTATIVES_NUMERO):
        demande.numero = _prochain_numero()
        try:
            with db.session.begin_nested():
                db.session.add(demande)
                db.session.flush()
            return
        except IntegrityError:
            # The savepoint's rollback took the pending row out of the session.
            continue
    raise RuntimeError("Numéro de demande de support introuvable : réessayez.")


def creer(*, type_id: int, structure_id: int | None, nom: str, prenom: str, email: str, sujet: str,
          descriptif: str, user=None) -> tuple[DemandeSupport, str | None]:
    """Write a request. Signed in: transmitted at once (returns no token).
    Anonymous: « à confirmer », its confirmation e-mail queued (returns the
    clear token, sent by e-mail only)."""
    demande = DemandeSupport(
        type_id=type_id, structure_id=structure_id, nom=nom, prenom=prenom, email=email,
        sujet=sujet, descriptif=descriptif, user_id=user.id if user is not None else None,
        etat=EtatDemandeSupport.a_confirmer, cree_le=base.utcnow(),
    )
    token = None
    if user is None:
        token = secrets.token_urlsafe(32)
        demande.jeton_hash = hash_token(token)
        demande.jeton_expire_le = demande.cree_le + VALIDITE_CONFIRMATION
    _numeroter(demande)
    if user is None:
        queue_email(email, "support_confirmation", "Confirmez votre demande de support",
                    demande=demande, heures=int(VALIDITE_CONFIRMATION.total_seconds() // 3600),
                    lien=Secret(_url("SupportView.confirmer", token=token)))
    else:
        support.apply(demande, "confirmer", demandeur(user.id))
        _prevenir_cnfpt(demande, "support_nouvelle", f"Nouvelle demande de support n° {demande.numero}")
    return demande, token


def a_confirmer(token: str) -> DemandeSupport | None:
    """The unconfirmed, unexpired request of this link (or None)."""
    if not token or len(token) > 100:
        return None
    demande = db.session.scalar(select(DemandeSupport).where(DemandeSupport.jeton_hash == hash_token(token)))
    if demande is None or demande.etat != EtatDemandeSupport.a_confirmer or demande.jeton_expire_le <= base.utcnow():
        return None
    return demande


def confirmer(demande: DemandeSupport) -> None:
    """The link was followed: the request is transmitted (the link is spent)."""
    support.apply(demande, "confirmer", demandeur(demande.user_id))
    _prevenir_cnfpt(demande, "support_nouvelle", f"Nouvelle demande de support n° {demande.numero}")


def joindre(piece, auteur_id: int | None) -> Fichier | None:
    """Store a message's attachment (PDF, DOC, DOCX, XLS, XLSX, JPG, JPEG,
    PNG, 2 Mo, checked by content), encrypted like every personal file and
    owned by nobody: only ``piece_lisible_par`` opens it. None when no file
    was chosen; raises ``UploadError`` (message for the field) when refused."""
    if piece is None or not getattr(piece, "filename", ""):
        return None
    fichier = store_upload(piece, owner_user_id=None, sensitive=True, preset=PIECE_JOINTE_SUPPORT,
                           uploaded_by_id=auteur_id)
    db.session.flush()
    return fichier


def repondre(demande: DemandeSupport, evenement: str, texte: str, acteur: Acteur, piece=None) -> MessageSupport:
    """The handler's answer, with an optional attachment: closes or asks for
    information; the requester gets « Réponse à votre demande de support
    n° … : <sujet> »."""
    support.apply(demande, evenement, acteur, texte)
    fichier = joindre(piece, acteur.user_id)
    message = MessageSupport(demande_id=demande.id, auteur_id=acteur.user_id, du_cnfpt=True, texte=texte.strip(),
                             date=base.utcnow(), fichier=fichier)
    db.session.add(message)
    queue_email(demande.email, "support_reponse",
                f"Réponse à votre demande de support n° {demande.numero} : {demande.sujet}",
                demande=demande, texte=message.texte,
                complement=demande.etat == EtatDemandeSupport.complement_demande,
                lien=Secret(lien_historique(demande)))
    return message


def completer(demande: DemandeSupport, texte: str, piece=None) -> MessageSupport:
    """The requester's reply to a request for information, with an optional
    attachment: back to the handler."""
    support.apply(demande, "completer", demandeur(demande.user_id), texte)
    fichier = joindre(piece, demande.user_id)
    message = MessageSupport(demande_id=demande.id, auteur_id=demande.user_id, du_cnfpt=False,
                             texte=texte.strip(), date=base.utcnow(), fichier=fichier)
    db.session.add(message)
    _prevenir_cnfpt(demande, "support_nouvelle",
                    f"Complément reçu pour la demande de support n° {demande.numero}", complement=True)
    return message


def cloturer_sans_reponse(demande: DemandeSupport) -> None:
    """30 days without reply to a request for information (job)."""
    support.apply(demande, "cloturer_sans_reponse", Acteur.systeme(), "Sans réponse depuis 30 jours")
    queue_email(demande.email, "support_cloture_automatique",
                f"Clôture de votre demande de support n° {demande.numero} : {demande.sujet}",
                demande=demande, lien=Secret(lien_historique(demande)))


def _adresses_cnfpt(demande: DemandeSupport) -> list[str]:
    """The handlers told of a new request or a reply: the structure's
    gestionnaires, or the national administrators."""
    if demande.structure_id is None:
        return adresses_du_role(ADMIN_NATIONAL)
    return sorted(set(db.session.scalars(
        select(User.email).join(Gestionnaire, Gestionnaire.user_id == User.id)
        .where(Gestionnaire.structure_id == demande.structure_id, User.active.is_(True)))))


def _prevenir_cnfpt(demande: DemandeSupport, modele: str, sujet: str, complement: bool = False) -> None:
    adresses = _adresses_cnfpt(demande)
    if adresses:
        queue_email(adresses, modele, sujet, demande=demande, complement=complement,
                    lien=_url("SupportGestionView.show", pk=demande.id))


# -- who reads a request's attachments ------------------------------------------
def traitee_par(demande: DemandeSupport, acteur: Acteur) -> bool:
    """Does the actor handle this request? Staff of its structure, national
    roles (every request, those addressed to « Administrateur national »
    included); never a request still awaiting its confirmation."""
    if demande.etat == EtatDemandeSupport.a_confirmer:
        return False
    return perimetre_de(acteur).couvre(demande.structure_id)


def piece_lisible_par(demande: DemandeSupport, user) -> bool:
    """Need-to-know of an attachment for a signed-in user: the request's
    handlers and its requester (an anonymous requester opens it through the
    signed link, ``demande_du_lien``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if demande.user_id is not None and demande.user_id == user.id:
        return True
    acteur = Acteur.from_user(user)
    if not acteur.roles & PERSONNEL:
        return False
    return traitee_par(demande, acteur)


def demande_de_la_piece(fichier_id: int) -> DemandeSupport | None:
    """The request whose thread holds this file (None: not a support attachment)."""
    return db.session.scalar(select(DemandeSupport).join(MessageSupport, MessageSupport.demande_id == DemandeSupport.id)
                             .where(MessageSupport.fichier_id == fichier_id))


# -- actions from a request (national administrators) -------------------------
def compte_du_demandeur(demande: DemandeSupport):
    """The account the request is about: the requester's, else the one with
    the request's e-mail (an archived account cannot sign in to ask)."""
    if demande.user_id is not None:
        return db.session.get(User, demande.user_id)
    return db.session.scalar(select(User).where(User.email == demande.email.lower()))


def reactiver_compte(demande: DemandeSupport, acteur: Acteur):
    """« Réactivation de mon compte archivé »: the archived account made
    active again by the account workflow (national roles only)."""
    if demande.type.code != "REACTIVATION":
        raise GardeRefusee("Cette demande n'est pas une demande de réactivation de compte archivé.")
    user = compte_du_demandeur(demande)
    if user is None:
        raise GardeRefusee(f"Aucun compte ne correspond à l'adresse e-mail {demande.email}.")
    depart.reactiver(user.id, acteur, f"Demande de support n° {demande.numero}")
    return user


# -- the requester's link to the thread ------------------------------------
def _serialiseur() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SEL_HISTORIQUE)


def lien_historique(demande: DemandeSupport, externe: bool = True) -> str:
    """A signed, time-limited link to this request only."""
    token = _serialiseur().dumps([demande.id, demande.numero])
    if not externe:
        from flask import url_for

        return url_for("SupportView.historique", token=token)
    return _url("SupportView.historique", token=token)


def demande_du_lien(token: str) -> DemandeSupport | None:
    """The request a « Consulter l'historique » link opens (None: forged or expired)."""
    try:
        demande_id, numero = _serialiseur().loads(token, max_age=int(VALIDITE_HISTORIQUE.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        return None
    demande = db.session.get(DemandeSupport, demande_id)
    if demande is None or demande.numero != numero or demande.etat == EtatDemandeSupport.a_confirmer:
        return None
    return demande


def _url(endpoint: str, **values) -> str:
    return external_url(endpoint, **values)


def _lecture_piece_jointe(fichier: Fichier, user) -> bool | None:
    """An attachment of a support request: its handlers and its requester."""
    demande = demande_de_la_piece(fichier.id)
    return None if demande is None else piece_lisible_par(demande, user)


declarer_lecteur(_lecture_piece_jointe, personnel_seulement=False)
