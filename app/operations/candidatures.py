"""Candidatures to the annonces: an intervenant applies (one transaction,
``app.operations.executer``); their life afterwards is app.workflows.candidature."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.annonces import Candidature
from app.workflows.core import WorkflowError

DEJA_CANDIDATE = "Vous avez déjà candidaté à cette annonce."


def candidater(annonce, intervenant, commentaire: str | None) -> Candidature:
    """A new candidature; a second one for the same annonce (two posts at
    once: the unique index decides) is refused with ``DEJA_CANDIDATE``."""
    candidature = Candidature(annonce_id=annonce.id, intervenant_id=intervenant.id, commentaire=commentaire or None)
    db.session.add(candidature)
    try:
        db.session.flush()
    except IntegrityError:
        raise WorkflowError(DEJA_CANDIDATE) from None
    return candidature
