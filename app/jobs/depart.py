"""Jobs of leaving and personal data (issue 24; periodic ones in app/jobs/cron.py).

- ``preparer_export``: builds a « Récupérer mes données » file (enqueued by
  the page or by the national administration from a support request).
- ``expirer_exports``: files not downloaded in time are deleted.
- ``traiter_inactivite``: an intervenant without login for
  ``INACTIVITE_JOURS`` is warned ``INACTIVITE_PREAVIS_JOURS`` before, then
  archived like a leaving person (app.operations.depart.archiver), at least the notice
  after the warning; logging in again voids the warning.
- ``purger_donnees_echues``: when retention ends, the person's data are
  purged (app.operations.purge) and the account goes to « purgé »; one
  ``journal_purge`` row per run with its counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, or_, select

from app.extensions import db
from app.infra.formatting import format_date
from app.infra.mail import queue_email
from app.jobs import job
from app.models import base
from app.models.authentification import EtatCompte, EtatCompteUtilisateur
from app.models.comptes import Intervenant
from app.models.depart import ConservationCompte, EtatExport, ExportDonnees, JournalPurge, MotifArchivage
from app.models.fichiers import StockageIndisponible
from app.models.regles_depart import Inactivite
from app.operations import depart, export_donnees, purge
from app.operations.donnees_personnelles import Personne
from app.workflows.compte import compte, etat_du_compte
from app.workflows.core import Acteur

log = logging.getLogger(__name__)


@job
def preparer_export(export_id: int) -> bool:
    export = db.session.get(ExportDonnees, export_id)
    if export is None or export.etat != EtatExport.en_preparation:
        return False
    try:
        export_donnees.preparer(export)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        export_donnees.echouer(export_id)
        db.session.commit()
        if isinstance(exc, StockageIndisponible):
            # Logged by the storage; the page says « a échoué : cliquez à nouveau
            # sur Récupérer ». Not raised: run inline, it would be a 500.
            return False
        raise
    return True


@job
def expirer_exports() -> int:
    exports = db.session.scalars(select(ExportDonnees).where(
        ExportDonnees.etat == EtatExport.pret, ExportDonnees.expire_le <= base.utcnow())).all()
    cles = [e.storage_key for e in exports if e.storage_key]
    for export in exports:
        export_donnees.expirer(export)
    db.session.commit()
    purge.supprimer_contenus(cles)
    return len(exports)


def _derniere_activite(user: User, ligne: ConservationCompte | None):
    dates = [d for d in (user.last_login, user.created_on, ligne.reactive_le if ligne else None) if d]
    return max(dates)


@job
def traiter_inactivite() -> dict[str, int]:
    """Warn, then archive, the intervenants who no longer log in."""
    regle = Inactivite.depuis(current_app.config)
    maintenant = base.utcnow()
    seuil = maintenant - timedelta(days=regle.jours - regle.preavis)
    actifs = (EtatCompteUtilisateur.actif, EtatCompteUtilisateur.a_personnaliser,
              EtatCompteUtilisateur.provisoire_expire)
    candidats = db.session.execute(
        select(User, ConservationCompte)
        .join(Intervenant, Intervenant.user_id == User.id)
        .outerjoin(EtatCompte, EtatCompte.user_id == User.id)
        .outerjoin(ConservationCompte, ConservationCompte.user_id == User.id)
        .where(or_(EtatCompte.etat.is_(None), EtatCompte.etat.in_(actifs)),
               func.coalesce(User.last_login, User.created_on) <= seuil)
        .order_by(User.id)
    ).all()
    comptes = Counter()
    for user, ligne in candidats:
        activite = _derniere_activite(user, ligne)
        if maintenant.date() < regle.avertissement_le(activite.date()):
            continue
        averti = ligne is not None and ligne.avertissement_inactivite_le is not None \
            and ligne.avertissement_inactivite_le >= activite
        if not averti:
            ligne = ligne or ConservationCompte(user_id=user.id)
            ligne.avertissement_inactivite_le = maintenant
            db.session.add(ligne)
            archivage = max(regle.archivage_le(activite.date()), (maintenant + timedelta(days=regle.preavis)).date())
            queue_email(user.email, "depart_inactivite", "Votre compte sur l'Espace intervenants va être archivé",
                        prenom=user.first_name, nom=user.last_name, derniere_connexion=activite.date(),
                        archivage_le=archivage, mois=current_app.config["CONSERVATION_SANS_INTERVENTION_MOIS"],
                        lien=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/login/")
            comptes["avertis"] += 1
        elif (maintenant.date() >= regle.archivage_le(activite.date())
              and maintenant >= ligne.avertissement_inactivite_le + timedelta(days=regle.preavis)):
            decision = depart.decision_pour(depart.profil_de(user.id))
            if not decision.possible:  # a lettre programmée: the national administration decides
                continue
            depart.archiver(user, MotifArchivage.inactivite, decision.suppression_le, compte_par=Acteur.systeme(),
                            profil_par=Acteur.systeme(),
                            commentaire=f"Sans connexion depuis le {format_date(activite, 'dd/MM/yyyy')}")
            comptes["archives"] += 1
        db.session.commit()
    log.info("Inactivité : %d compte(s) averti(s), %d archivé(s).", comptes["avertis"], comptes["archives"])
    return dict(comptes)


@job
def purger_donnees_echues() -> int:
    """Purge every archived account whose retention has ended."""
    aujourdhui = base.utcnow().date()
    user_ids = db.session.scalars(
        select(ConservationCompte.user_id)
        .join(EtatCompte, EtatCompte.user_id == ConservationCompte.user_id)
        .where(ConservationCompte.suppression_le <= aujourdhui, ConservationCompte.purge_le.is_(None),
               EtatCompte.etat == EtatCompteUtilisateur.archive)
        .order_by(ConservationCompte.user_id)
    ).all()
    totaux, fichiers = Counter(), 0
    for user_id in user_ids:
        personne = Personne.de(user_id)
        cles = purge.cles_fichiers(personne)
        compte.apply(etat_du_compte(user_id), "purger", Acteur.systeme(), "Durée de conservation échue")
        db.session.flush()
        totaux.update(purge.purger_personne(personne))
        db.session.get(ConservationCompte, user_id).purge_le = base.utcnow()
        db.session.commit()
        fichiers += purge.supprimer_contenus(cles)
    journal = JournalPurge(date=base.utcnow(), comptes=len(user_ids), fichiers=fichiers,
                           detail="\n".join(f"{t}: {n}" for t, n in sorted(totaux.items())))
    db.session.add(journal)
    db.session.commit()
    log.info("Purge : %d compte(s), %d fichier(s) supprimé(s).", len(user_ids), fichiers)
    return journal.id
