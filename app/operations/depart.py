"""Leaving the Espace Intervenants (issue 24, manual §9–§10): operations.

« Me désinscrire » and the inactivity job archive an account the same way
(``archiver``): the account workflow (history, sessions closed, no login),
the profile out of the CV-thèque and the alerts (inscription → archivée),
the deletion date kept in ``conservation_compte`` for the purge job, an
e-mail stating that date. A national administrator's reactivation
(``reactiver``: from the support request or the users screen) puts the
profile back in the state it left and e-mails a link to choose a new
password. Views and jobs call these functions, never the workflows' states.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.infra.liens import external_url
from app.infra.mail import Secret, queue_email
from app.models import base
from app.models.authentification import EtatCompteUtilisateur, JetonCompte, TypeJeton
from app.models.comptes import EtatInscription, Intervenant
from app.models.depart import ConservationCompte, MotifArchivage
from app.models.regles_depart import MESSAGES, CasDesinscription, Conservation, Decision, decider
from app.models.workflow import TransitionHistorique
from app.operations.interventions import situation_desinscription
from app.security import auth
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur, GardeRefusee
from app.workflows.inscription import AVANT_ARCHIVAGE, inscription
from app.workflows.intervention import verrouiller_intervenant

#: Validity of the reactivation e-mail's link (choose a new password).
VALIDITE_REACTIVATION = timedelta(days=7)


def aujourdhui() -> date:
    return base.utcnow().date()


def profil_de(user_id: int) -> Intervenant | None:
    return db.session.scalar(select(Intervenant).where(Intervenant.user_id == user_id))


def decision_pour(profil: Intervenant | None) -> Decision:
    """The manual's case for this person today (no profile: never intervened)."""
    conservation = Conservation.depuis(current_app.config)
    if profil is None:
        return decider(False, None, aujourdhui(), conservation)
    situation = situation_desinscription(profil.id)
    return decider(situation.lettre_en_cours, situation.fin_derniere_intervention, aujourdhui(), conservation)


def desinscrire(user: User) -> Decision:
    """« Me désinscrire », confirmed by the account's holder. The profile's
    row is locked before the rule is read: a lettre being sent at the same
    instant is either seen (refused) or refused itself."""
    profil = profil_de(user.id)
    if profil is not None:
        verrouiller_intervenant(profil.id)
    decision = decision_pour(profil)
    if not decision.possible:
        raise GardeRefusee(MESSAGES[CasDesinscription.refusee][0])
    archiver(user, MotifArchivage.desinscription, decision.suppression_le,
             compte_par=cycle_compte.titulaire(user.id), profil_par=cycle_compte.titulaire(user.id),
             commentaire="Désinscription (Mon compte / Me désinscrire)")
    return decision


def archiver(user: User, motif: MotifArchivage, suppression_le: date, *, compte_par: Acteur,
             profil_par: Acteur, commentaire: str) -> None:
    """Archive the account and its profile, keep the deletion date, tell the
    person (in the caller's transaction)."""
    cycle_compte.appliquer(user.id, "archiver", compte_par, commentaire)
    profil = profil_de(user.id)
    if profil is not None and EtatInscription(profil.etat_inscription) in AVANT_ARCHIVAGE:
        inscription.apply(profil, "desinscrire", profil_par, commentaire)
    conserver(user.id, motif, suppression_le)
    queue_email(
        user.email, "depart_desinscription", "Votre compte sur l'Espace intervenants est archivé",
        prenom=user.first_name, nom=user.last_name, motif=motif.value, suppression_le=suppression_le,
        annees=round(current_app.config["INACTIVITE_JOURS"] / 365),
        lien_support=external_url("SupportView.formulaire", type="REACTIVATION"),
    )


def conserver(user_id: int, motif: MotifArchivage, suppression_le: date) -> ConservationCompte:
    """Remember until when an archived account's data are kept (the purge job reads it)."""
    ligne = db.session.get(ConservationCompte, user_id) or ConservationCompte(user_id=user_id)
    ligne.archive_le, ligne.motif, ligne.suppression_le = base.utcnow(), motif.value, suppression_le
    ligne.avertissement_inactivite_le = None
    db.session.add(ligne)
    return ligne


def douze_mois() -> date:
    """The deletion date of an account archived today without intervention."""
    return decider(False, None, aujourdhui(), Conservation.depuis(current_app.config)).suppression_le


def etat_avant_archivage(profil: Intervenant) -> EtatInscription:
    """The state the profile left when it was archived (its history)."""
    avant = db.session.scalar(
        select(TransitionHistorique.etat_avant)
        .where(TransitionHistorique.workflow == inscription.name, TransitionHistorique.objet_type == "intervenant",
               TransitionHistorique.objet_id == profil.id, TransitionHistorique.etat_apres == EtatInscription.archivee)
        .order_by(TransitionHistorique.date.desc(), TransitionHistorique.id.desc())
        .limit(1)
    )
    return EtatInscription(avant) if avant else EtatInscription.brouillon


def reactiver(user_id: int, acteur: Acteur, commentaire: str | None = None) -> bool:
    """Reactivate the account (national administration). An archived one
    also gets its profile back in its previous state and an e-mail with a
    link to choose a new password (the old one no longer opens it). True when
    the account was archived."""
    etait_archive = cycle_compte.etat_de(cycle_compte.etat_du_compte(user_id)) == EtatCompteUtilisateur.archive
    cycle_compte.appliquer(user_id, "reactiver", acteur, commentaire)
    if not etait_archive:
        return False
    user = db.session.get(User, user_id)
    profil = profil_de(user_id)
    if profil is not None and profil.etat_inscription == EtatInscription.archivee:
        cible = etat_avant_archivage(profil)
        inscription.apply(profil, f"restaurer_{cible.value}", acteur, commentaire)
    ligne = db.session.get(ConservationCompte, user_id)
    if ligne is not None:
        ligne.archive_le = ligne.motif = ligne.suppression_le = ligne.avertissement_inactivite_le = None
    else:
        ligne = ConservationCompte(user_id=user_id)
        db.session.add(ligne)
    ligne.reactive_le = base.utcnow()
    user.password = auth.hacher_mot_de_passe(secrets.token_urlsafe(32))
    auth.invalider_jetons(user_id, TypeJeton.reinitialisation)
    token = JetonCompte.emettre(db.session, user, TypeJeton.reinitialisation, VALIDITE_REACTIVATION)
    queue_email(
        user.email, "depart_reactivation", "Votre compte sur l'Espace intervenants est réactivé",
        prenom=user.first_name, nom=user.last_name, identifiant=user.email, jours=VALIDITE_REACTIVATION.days,
        lien=Secret(external_url("MotDePasseView.reinitialiser", token=token)),
    )
    return True
