"""Periodic account jobs (declared in app/jobs/cron.py).

- ``supprimer_comptes_non_actives``: self-registered accounts whose activation
  link was not used within 7 days are deleted (profile, tokens, login user).
- ``expirer_identifiants_provisoires``: provisional credentials older than 7
  days stop working (password replaced by an unusable random one); the login
  page then says they expired.
- ``purger_captchas``: expired captcha challenges.
- ``envoyer_lien_reinitialisation``: « Mot de passe oublié » (not periodic:
  enqueued by the page for every address).
- ``purger_tentatives_connexion``: the login log (personal data: IP
  addresses) is kept ``CONNEXION_LOG_RETENTION_DAYS`` days (180 by default).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import delete, func, select

from app.extensions import db
from app.infra.mail import queue_email
from app.jobs import job
from app.models import base
from app.models.authentification import (
    DefiCaptcha,
    EtatCompte,
    EtatCompteUtilisateur,
    JetonCompte,
    TentativeConnexion,
    TypeJeton,
)
from app.models.comptes import Intervenant
from app.security.auth import VALIDITE_ACTIVATION, VALIDITE_REINITIALISATION, hacher_mot_de_passe
from app.security.sessions import invalider_sessions
from app.workflows.compte import compte
from app.workflows.core import Acteur

log = logging.getLogger(__name__)


@job
def supprimer_comptes_non_actives() -> int:
    """Delete accounts not activated within the activation validity."""
    limite = base.utcnow() - VALIDITE_ACTIVATION
    etats = db.session.scalars(
        select(EtatCompte).where(EtatCompte.etat == EtatCompteUtilisateur.a_activer, EtatCompte.cree_le < limite)
    ).all()
    for etat in etats:  # the history keeps a trace of each deleted account
        compte.apply(etat, "expirer", Acteur.systeme(), "Compte non activé dans le délai de 7 jours")
    user_ids = [etat.user_id for etat in etats]
    if user_ids:
        db.session.execute(delete(Intervenant).where(Intervenant.user_id.in_(user_ids)))
        db.session.execute(delete(JetonCompte).where(JetonCompte.user_id.in_(user_ids)))
        db.session.execute(delete(EtatCompte).where(EtatCompte.user_id.in_(user_ids)))
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
            db.session.delete(user)  # ORM delete: also clears the ab_user_role rows
    db.session.commit()
    log.info("%d compte(s) non activé(s) dans le délai de 7 jours supprimé(s).", len(user_ids))
    return len(user_ids)


@job
def expirer_identifiants_provisoires() -> int:
    """Provisional credentials past their 7 days can no longer be used."""
    rows = db.session.execute(
        select(EtatCompte, User)
        .join(User, User.id == EtatCompte.user_id)
        .where(EtatCompte.etat == EtatCompteUtilisateur.a_personnaliser, EtatCompte.provisoire_jusqua <= base.utcnow())
    ).all()
    count = 0
    for etat, user in rows:
        user.password = hacher_mot_de_passe(secrets.token_urlsafe(32))
        compte.apply(etat, "expirer_provisoires", Acteur.systeme())
        count += 1
    invalider_sessions(*(user.id for _, user in rows))
    db.session.commit()
    log.info("%d identifiant(s) provisoire(s) expiré(s).", count)
    return count


@job
def envoyer_lien_reinitialisation(email: str, modele_lien: str) -> bool:
    """« Mot de passe oublié »: a reset link to an active account's address
    (through the outbox), nothing for any other address. The page enqueues
    this job for every address and answers at once, the same way: neither its
    words nor its time tell whether an account exists. ``modele_lien``: the
    reset URL built by the page, its last segment replaced by the token."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None or not user.active:
        return False
    token = JetonCompte.emettre(db.session, user, TypeJeton.reinitialisation, VALIDITE_REINITIALISATION)
    queue_email(
        user.email,
        "compte_reinitialisation",
        "Réinitialisation de votre mot de passe",
        prenom=user.first_name,
        nom=user.last_name,
        heures=int(VALIDITE_REINITIALISATION.total_seconds() // 3600),
        lien=modele_lien.rsplit("/", 1)[0] + "/" + token,
    )
    db.session.commit()
    return True


@job
def purger_captchas() -> int:
    result = db.session.execute(delete(DefiCaptcha).where(DefiCaptcha.expire_le < base.utcnow()))
    db.session.commit()
    return result.rowcount


@job
def purger_tentatives_connexion() -> int:
    days = current_app.config.get("CONNEXION_LOG_RETENTION_DAYS", 180)
    result = db.session.execute(
        delete(TentativeConnexion).where(TentativeConnexion.cree_le < base.utcnow() - timedelta(days=days))
    )
    db.session.commit()
    log.info("%d tentative(s) de connexion de plus de %d jours supprimée(s).", result.rowcount, days)
    return result.rowcount
