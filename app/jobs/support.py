"""Periodic jobs of the support desk (declared in app/jobs/cron.py), issue 22.

- ``purger_demandes_non_confirmees``: anonymous requests whose confirmation
  link was not followed within ``DELAI_PURGE`` are deleted (never transmitted,
  personal data kept for nothing).
- ``cloturer_demandes_sans_reponse``: requests left in « complément demandé »
  for 30 days are closed through the workflow and the requester told.

Each closed request is committed on its own: one failure does not block the
others, a re-run does not repeat an e-mail (the state has changed).
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from app.extensions import db
from app.jobs import job
from app.models import base
from app.models.support import DemandeSupport, EtatDemandeSupport
from app.operations import support as operations
from app.workflows.core import WorkflowError

log = logging.getLogger(__name__)
LOT = 500


@job
def purger_demandes_non_confirmees() -> int:
    """Delete the unconfirmed requests older than the delay; returns how many."""
    limite = base.utcnow() - operations.DELAI_PURGE
    resultat = db.session.execute(
        delete(DemandeSupport)
        .where(DemandeSupport.etat == EtatDemandeSupport.a_confirmer, DemandeSupport.cree_le < limite)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return resultat.rowcount


@job
def cloturer_demandes_sans_reponse() -> int:
    """Close the requests without reply 30 days after a request for information."""
    limite = base.utcnow() - operations.DELAI_CLOTURE
    demandes = db.session.scalars(
        select(DemandeSupport)
        .where(DemandeSupport.etat == EtatDemandeSupport.complement_demande,
               DemandeSupport.date_complement_demande < limite)
        .order_by(DemandeSupport.id).limit(LOT)
    ).all()
    faites = 0
    for demande in demandes:
        try:
            operations.cloturer_sans_reponse(demande)
            db.session.commit()
            faites += 1
        except WorkflowError as exc:
            db.session.rollback()
            log.warning("Demande de support %s non clôturée : %s", demande.numero, exc.message)
    return faites
