"""« Mes indisponibilités »: a period saved or deleted, one transaction each
(``app.operations.executer``); two periods of one intervenant never overlap."""

from __future__ import annotations

from app.extensions import db
from app.infra.formatting import format_date
from app.models.indisponibilites import Indisponibilite, periode_en_conflit
from app.workflows.core import WorkflowError


def message_conflit(autre: Indisponibilite) -> str:
    return (f"Cette période chevauche votre indisponibilité du {format_date(autre.du)} au {format_date(autre.au)} : "
            "modifiez celle-ci plutôt.")


def enregistrer(intervenant_id: int, ligne: Indisponibilite | None, du, au, motif: str | None) -> Indisponibilite:
    """A new period (``ligne`` None) or an edited one; refused (``WorkflowError``,
    the message names the other period) when it overlaps another."""
    autre = periode_en_conflit(intervenant_id, du, au, sauf=ligne.id if ligne else None)
    if autre is not None:
        raise WorkflowError(message_conflit(autre))
    if ligne is None:
        ligne = Indisponibilite(intervenant_id=intervenant_id)
        db.session.add(ligne)
    ligne.du, ligne.au, ligne.motif = du, au, motif or None
    return ligne


def supprimer(ligne: Indisponibilite) -> None:
    db.session.delete(ligne)
