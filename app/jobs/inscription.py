"""Periodic inscription jobs (declared in app/jobs/cron.py), manual §3.2.2.

- ``relancer_complements``: two weeks before the archive date, the intervenant
  whose request waits for a complément gets one reminder e-mail.
- ``archiver_complements``: requests left in « complément demandé » for two
  months without action are archived through the workflow (history, signal).

Each row is handled and committed on its own: one failure does not block the
others and a re-run does not repeat a reminder (``date_relance_complement``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.jobs import job
from app.models import base
from app.models.comptes import EtatInscription, Intervenant
from app.models.depart import MotifArchivage
from app.operations import depart  # issue 24: an archived account's data are deleted when retention ends
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur, WorkflowError
from app.workflows.inscription import inscription

log = logging.getLogger(__name__)

DELAI_ARCHIVAGE = timedelta(days=61)  # « deux mois »
DELAI_RELANCE = DELAI_ARCHIVAGE - timedelta(days=14)
BATCH = 500


def _en_attente(limite):
    return (
        select(Intervenant)
        .where(
            Intervenant.etat_inscription == EtatInscription.complement_demande,
            Intervenant.date_complement_demande < limite,
        )
        .order_by(Intervenant.id)
        .limit(BATCH)
    )


@job
def relancer_complements() -> int:
    """Send the reminder e-mail to requests due for it; returns how many."""
    stmt = _en_attente(base.utcnow() - DELAI_RELANCE).where(Intervenant.date_relance_complement.is_(None))
    profils = db.session.scalars(stmt.options(selectinload(Intervenant.user), selectinload(Intervenant.structure))).all()
    for profil in profils:
        if profil.user is not None and profil.user.email:
            queue_email(
                profil.user.email,
                "inscription_relance",
                "Votre demande d'inscription sera bientôt archivée",
                intervenant=profil,
                date_archivage=profil.date_complement_demande + DELAI_ARCHIVAGE,
                structure=profil.structure.nom if profil.structure else None,
                lien=external_url("ProfilView.parcours"),
            )
        profil.date_relance_complement = base.utcnow()
        db.session.commit()
    return len(profils)


@job
def archiver_complements() -> int:
    """Archive requests without action for two months; returns how many."""
    profils = db.session.scalars(_en_attente(base.utcnow() - DELAI_ARCHIVAGE)).all()
    done = 0
    for profil in profils:
        try:
            inscription.apply(profil, "archiver", Acteur.systeme(), "Sans action depuis 2 mois")
            if cycle_compte.peut(profil.user_id, "archiver", Acteur.systeme()):
                cycle_compte.appliquer(profil.user_id, "archiver", Acteur.systeme(),
                                       "Demande d'inscription archivée (sans action depuis 2 mois)")
                depart.conserver(profil.user_id, MotifArchivage.inscription,
                                 depart.decision_pour(profil).suppression_le or depart.douze_mois())
            db.session.commit()
            done += 1
        except WorkflowError:
            db.session.rollback()
            log.exception("Archivage impossible de la demande %s", profil.id)
    return done
