"""Per-process caches that this process's own commits empty.

Three caches keep data per process: the referential option lists
(``app.referentiels.options``), the permission sets
(``app.security.manager``) and the public pages
(``app.views.cache_public``). Each is emptied as soon as a commit of this
process changed what it holds; other processes see the change through a token
or within a delay. This module is the one place that watches the session for
them. Two more caches need no emptying, being keyed on what they render: the
menu (``app.views.menu``, on the permission set) and the rendered options of
the select fields (``app.forms.champs``, on the choices).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

from sqlalchemy import event

#: name → (after_flush listener, end-of-transaction listener): created once, so
#: that registering again (one app per test session, workers) adds nothing.
_ecouteurs: dict[str, tuple[Callable, Callable]] = {}


def sans_collections(session, obj) -> bool:
    """A row linked to another one is "dirty" through its collections (a
    spécialité added to an annonce): that alone does not count."""
    return session.is_modified(obj, include_collections=False)


def vider_apres_commit(session, nom: str, concerne: Callable[[object], bool], vider: Callable[[], None], *,
                       modifie: Callable = sans_collections, au_rollback: bool = False) -> None:
    """Call ``vider`` after a commit (and a rollback if ``au_rollback``) whose
    flushes created or deleted an object for which ``concerne(obj)`` is true,
    or changed one (``modifie(session, obj)``)."""
    cle = f"cache_a_vider:{nom}"
    if nom not in _ecouteurs:

        def noter(session_, flush_context) -> None:
            if any(concerne(o) for o in chain(session_.new, session_.deleted)) or any(
                concerne(o) and modifie(session_, o) for o in session_.dirty
            ):
                session_.info[cle] = True

        def fin(session_, *args) -> None:
            # A flag left by a rolled-back flush only costs one extra clearing.
            if session_.info.pop(cle, False):
                vider()

        _ecouteurs[nom] = (noter, fin)
    noter, fin = _ecouteurs[nom]
    evenements = [("after_flush", noter), ("after_commit", fin)] + ([("after_rollback", fin)] if au_rollback else [])
    for evenement, ecouteur in evenements:
        if not event.contains(session, evenement, ecouteur):
            event.listen(session, evenement, ecouteur)
