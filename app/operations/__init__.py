"""Domain operations: one module per domain, the same name as its models,
workflow, views and templates.

An operation changes the database and records the e-mails it causes (the
outbox), but does not commit: ``executer`` runs it as one transaction, commit
when it returns, rollback when it raises, so a failed step leaves nothing
half-written and no view or job has to commit itself.
"""

from __future__ import annotations

from app.extensions import db


def executer(operation, /, *args, **kwargs):
    """Run ``operation(*args, **kwargs)`` in one transaction and return its result."""
    try:
        resultat = operation(*args, **kwargs)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return resultat
