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


def executer_sans_expirer(operation, /, *args, **kwargs):
    """``executer`` whose commit leaves the objects already read as they are.

    Why: a commit expires every object of the session, so the page drawn
    after it read each one again (the signed-in user and its roles for the
    layout, the message just opened: three more statements on the message
    page, issue 36). For an operation whose writes the page does not read
    back from those objects (a bulk UPDATE marking a copy read)."""
    session = db.session()
    avant = session.expire_on_commit
    session.expire_on_commit = False
    try:
        return executer(operation, *args, **kwargs)
    finally:
        session.expire_on_commit = avant


def appliquer_en_lot(workflow, objets, evenement: str, acteur) -> int:
    """One workflow event on several rows, all or nothing (the first refusal
    raises, ``executer`` rolls back). Always in id order: two bulk actions
    on the same rows wait for each other's row locks instead of deadlocking."""
    for objet in sorted(objets, key=lambda objet: objet.id):
        workflow.apply(objet, evenement, acteur)
    return len(objets)
