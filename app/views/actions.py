"""A view's action: run one operation, show the outcome in French.

The one place where a view turns an operation's refusal into a message:
``agir`` runs the operation through ``app.operations.executer`` (commit on
success, rollback on error), then flashes the success message, or puts the
refusal's French message next to the field it concerns (or in a flash).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import flash

from app.infra.uploads import UploadError
from app.operations import executer
from app.workflows.core import WorkflowError


class Issue(NamedTuple):
    """What ``agir`` gives back: true when the operation went through."""

    ok: bool
    valeur: Any = None
    message: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def agir(operation, /, *args, succes: str | None = None, champ=None, champ_fichier=None, **kwargs) -> Issue:
    """Run ``operation`` in its transaction; flash ``succes`` when it went through.

    A ``WorkflowError`` or an ``UploadError`` is rolled back and its French
    message goes to ``champ`` (a WTForms field: shown next to it; an
    ``UploadError`` to ``champ_fichier`` when given) or, without a field, to
    a flash. Other errors propagate (the error pages handle them).
    """
    try:
        valeur = executer(operation, *args, **kwargs)
    except (WorkflowError, UploadError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        if isinstance(exc, UploadError) and champ_fichier is not None:
            champ = champ_fichier
        if champ is not None:
            champ.errors = [*getattr(champ, "errors", ()), message]
        else:
            flash(message, "danger")
        return Issue(False, None, message)
    if succes:
        flash(succes, "success")
    return Issue(True, valeur)
