"""Account operations: registration, activation, passwords, e-mail change,
accounts created by the back office and provisional credentials.

Each function is one step a page asks for, run by ``app.operations.executer``
(one transaction); the account's state changes go through the account
workflow (``app.workflows.compte``), every link sent by e-mail is a
single-use token (``app.models.authentification``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, url_for
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.infra.crypto import mask
from app.infra.formatting import format_date
from app.infra.mail import Secret, queue_email
from app.models import base
from app.models.annonces import Annonce
from app.models.authentification import EtatCompteUtilisateur, JetonCompte, TypeJeton
from app.models.comptes import Gestionnaire, Intervenant
from app.models.referentiels import Structure
from app.operations import depart
from app.security import auth, deux_facteurs, sessions
from app.security.roles import GESTIONNAIRE, INTERVENANT
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur, WorkflowError

log = logging.getLogger(__name__)

EMAIL_PRIS = "Cette adresse e-mail est déjà utilisée par un autre compte."


def _emettre_jeton(user, type_: TypeJeton, validite: timedelta, **fields) -> str:
    """Issue a single-use token in the current transaction (clear value returned)."""
    return JetonCompte.emettre(db.session, user, type_, validite, **fields)


# -- the holder's own account -----------------------------------------------------
def _structure_de_l_annonce(numero: str | None) -> int | None:
    """Structure of the annonce the visitor came from (``?annonce=<numero>``)."""
    if not numero:
        return None
    return db.session.scalar(select(Annonce.structure_id).where(Annonce.numero == numero[:30]))


def _creer_intervenant(donnees: dict, password: str | None, nom_usage: str, identite: str,
                       structure_id: int | None) -> User:
    """The login account and its intervenant profile (flushed): a taken
    identity or address ends in an ``IntegrityError``."""
    user = auth.creer_utilisateur(donnees["email"], donnees["prenom"], nom_usage, INTERVENANT, password)
    db.session.add(Intervenant(
        user_id=user.id, civilite=donnees["civilite"], nom_naissance=donnees["nom_naissance"], nom_usage=nom_usage,
        prenom=donnees["prenom"], date_naissance=donnees["date_naissance"], identite_normalisee=identite,
        structure_id=structure_id,
    ))
    return user


def inscrire(donnees: dict, nom_usage: str, identite: str, annonce: str | None) -> User:
    """« Remplir un CV en ligne »: the account waits for its activation link.
    A concurrent registration of the same person ends in an ``IntegrityError``."""
    user = _creer_intervenant(donnees, donnees["password"], nom_usage, identite, _structure_de_l_annonce(annonce))
    cycle_compte.ouvrir(user, EtatCompteUtilisateur.a_activer, cree_le=base.utcnow())
    token = _emettre_jeton(user, TypeJeton.activation, auth.VALIDITE_ACTIVATION)
    queue_email(
        user.email,
        "compte_activation",
        "Inscription sur l'Espace intervenants",
        civilite="M" if donnees["civilite"] == "M" else "Mme",
        prenom=donnees["prenom"],
        nom=nom_usage.upper(),
        lien=auth.lien("InscriptionView.activation", token),
    )
    return user


def activer(token: str) -> User | None:
    """The activation link: None when it is not (or no longer) valid."""
    jeton = auth.jeton_valide(token, TypeJeton.activation)
    if jeton is None or not auth.consommer(jeton):
        return None
    user = db.session.get(User, jeton.user_id)
    cycle_compte.appliquer(user.id, "activer", cycle_compte.titulaire(user.id))
    return user


def _nouveau_mot_de_passe(user: User, password: str) -> None:
    """A password the holder chose; every older reset link becomes useless."""
    auth.definir_mot_de_passe(user, password)
    auth.invalider_jetons(user.id, TypeJeton.reinitialisation)


def reinitialiser_mot_de_passe(jeton: JetonCompte, password: str) -> User | None:
    """The reset link's form: None when a concurrent request used the link first."""
    if not auth.consommer(jeton):
        return None
    user = db.session.get(User, jeton.user_id)
    _nouveau_mot_de_passe(user, password)
    return user


def changer_mot_de_passe(user: User, password: str) -> None:
    """« Changer mon mot de passe »: every session of the account ends."""
    _nouveau_mot_de_passe(user, password)


def deconnecter_partout(user: User) -> None:
    sessions.invalider_sessions(user)


def _masquer_email(email: str) -> str:
    local, _, domaine = email.partition("@")
    return f"{mask(local)}@{domaine}" if local else email


def demander_changement_email(user: User, nouvel_email: str) -> None:
    """A link to the new address confirms it; the old address is told."""
    auth.invalider_jetons(user.id, TypeJeton.changement_email)
    token = _emettre_jeton(user, TypeJeton.changement_email, auth.VALIDITE_CHANGEMENT_EMAIL, nouvel_email=nouvel_email)
    contexte = {"prenom": user.first_name, "nom": user.last_name}
    queue_email(
        nouvel_email,
        "compte_changement_email",
        "Confirmez votre nouvelle adresse e-mail",
        lien=auth.lien("LienCompteView.confirmer_email", token),
        **contexte,
    )
    queue_email(
        user.email,
        "compte_changement_email_ancien",
        "Demande de changement de votre identifiant de connexion",
        nouvel_email_masque=_masquer_email(nouvel_email),
        **contexte,
    )


def confirmer_email(token: str) -> tuple[User | None, str | None]:
    """The link sent to the new address: (the account, None) when it is now the
    identifier; (None, None) for an invalid link; (None, message) when the
    address was taken meanwhile (the link is used up all the same)."""
    jeton = auth.jeton_valide(token, TypeJeton.changement_email)
    if jeton is None or not auth.consommer(jeton):
        return None, None
    user = db.session.get(User, jeton.user_id)
    if auth.email_pris(jeton.nouvel_email, sauf_user_id=user.id):
        return None, EMAIL_PRIS
    user.email = user.username = jeton.nouvel_email
    sessions.invalider_sessions(user)
    return user, None


def personnaliser_identifiants(user: User, email: str, password: str) -> None:
    """« Vos identifiants de connexion »: provisional credentials personalised."""
    user.email = user.username = email
    auth.definir_mot_de_passe(user, password)


def personnaliser_par_lien(jeton: JetonCompte, password: str) -> User | None:
    """Back-office-created account: the link confirms the address, the holder
    chooses a password. None when a concurrent request used the link first."""
    if not auth.consommer(jeton):
        return None
    user = db.session.get(User, jeton.user_id)
    auth.definir_mot_de_passe(user, password)
    return user


# -- back office ----------------------------------------------------------------
class CreationCompteError(WorkflowError):
    """A back-office creation refused (an account exists): French message, HTTP status."""

    def __init__(self, message: str, field: str = "email", status: int = 409):
        super().__init__(message)
        self.field, self.status = field, status


def inviter(user: User, structure=None, prenom: str | None = None, nom: str | None = None) -> None:
    """The back office's invitation: the account waits for its holder to
    confirm the address and choose a password (link valid 7 days). Used for
    intervenants created by a gestionnaire and for any account created in the
    users screen: no admin types a password."""
    cycle_compte.ouvrir(user, EtatCompteUtilisateur.a_personnaliser,
                        provisoire_jusqua=base.utcnow() + auth.VALIDITE_PERSONNALISATION)
    token = _emettre_jeton(user, TypeJeton.personnalisation, auth.VALIDITE_PERSONNALISATION)
    queue_email(
        user.email,
        "compte_personnalisation",
        "Votre compte sur l'Espace intervenants",
        prenom=prenom or user.first_name,
        nom=(nom or user.last_name or "").upper(),
        structure=structure.nom if structure is not None else None,
        lien=auth.lien("LienCompteView.personnaliser", token),
    )


def creer_compte_backoffice(data: dict, structure_id: int | None, createur: str) -> User:
    """Account created for a recruited intervenant (screen or API): the person
    gets an e-mail to confirm the address and personalise the password."""
    identite = auth.identite_normalisee(data["civilite"], data["nom_naissance"], data["prenom"], data["date_naissance"])
    doublon = auth.chercher_doublon(data["email"], identite)
    if doublon is not None:
        raise CreationCompteError(
            "Un compte archivé existe pour cette personne : une réactivation est nécessaire."
            if doublon.archive
            else "Un compte existe déjà pour cette personne ou cette adresse e-mail."
        )
    nom_usage = data.get("nom_usage") or data["nom_naissance"]
    try:
        user = _creer_intervenant(data, None, nom_usage, identite, structure_id)
        structure = db.session.get(Structure, structure_id) if structure_id else None
        inviter(user, structure, prenom=data["prenom"], nom=nom_usage)
        db.session.flush()
    except IntegrityError:
        raise CreationCompteError("Un compte existe déjà pour cette personne ou cette adresse e-mail.") from None
    log.info("Compte intervenant %s créé par %s.", user.id, createur)
    return user


def attribuer_identifiants_provisoires(user: User, email: str, acteur: Acteur) -> None:
    """National administration: a random password valid 7 days, sent to
    ``email`` (which becomes the identifier); every session and reset link
    of the account ends. Refused (``WorkflowError``) when the account's state
    does not allow it (the page checks the address is free, next to its field)."""
    if not cycle_compte.peut(user.id, "attribuer_provisoires", acteur):
        etat = cycle_compte.etat_de(auth.etat_du_compte(user.id))
        raise WorkflowError(f"Impossible d'envoyer des identifiants provisoires à un compte « {etat.libelle} » : "
                            "réactivez-le d'abord.")
    password = auth.mot_de_passe_aleatoire()
    auth.lever_ralentissement(user)  # before the identifier changes: it is counted by identifier
    user.email = user.username = email
    user.password = auth.hacher_mot_de_passe(password)
    cycle_compte.appliquer(user.id, "attribuer_provisoires", acteur)
    auth.invalider_jetons(user.id, TypeJeton.reinitialisation)
    sessions.invalider_sessions(user)
    queue_email(
        user.email,
        "compte_identifiants_provisoires",
        "Vos identifiants de connexion provisoires",
        prenom=user.first_name,
        nom=user.last_name,
        identifiant=user.email,
        mot_de_passe=Secret(password),
        expire_le=format_date(auth.etat_du_compte(user.id).provisoire_jusqua, "dd/MM/yyyy"),
        lien=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("AuthDBView.login"),
    )


# -- the users screen (administration) --------------------------------------------
def _gestionnaire_de(user_id: int) -> Gestionnaire | None:
    return db.session.scalar(select(Gestionnaire).where(Gestionnaire.user_id == user_id))


def rattacher_structure(user: User, structure) -> None:
    """The Gestionnaire row follows the screen's « structure »: none, and the
    row goes when the account is no longer a gestionnaire."""
    ligne = _gestionnaire_de(user.id)
    if structure is None:
        if ligne is not None and GESTIONNAIRE not in {r.name for r in user.roles}:
            db.session.delete(ligne)
        return
    if ligne is None:
        db.session.add(Gestionnaire(user_id=user.id, structure_id=structure.id))
    else:
        ligne.structure_id = structure.id


def ouvrir_depuis_ecran(user: User, structure) -> None:
    """An account created in the users screen: its structure, and the invitation."""
    rattacher_structure(user, structure)
    inviter(user)


def deverrouiller_comptes(users, acteur: Acteur) -> None:
    for user in users:
        cycle_compte.deverrouiller(user.id, acteur)


def changer_etat_comptes(users, evenement: str, acteur: Acteur) -> None:
    """« Désactiver » / « Réactiver » the selected accounts, all or nothing;
    never one's own. An archived account reactivated gets its profile back
    and an e-mail to choose a new password (``app.operations.depart.reactiver``)."""
    for user in users:
        if user.id == acteur.user_id:
            raise WorkflowError("Vous ne pouvez pas modifier l'état de votre propre compte.")
        if evenement == "reactiver":
            depart.reactiver(user.id, acteur)
        else:
            cycle_compte.appliquer(user.id, evenement, acteur)


def reinitialiser_seconds_facteurs(users, acteur_id: int) -> None:
    """Lost devices: each factor removed, logged, the person told."""
    for user in users:
        deux_facteurs.reinitialiser(user, acteur_id)
