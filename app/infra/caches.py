"""Every per-process cache, in one registry, and the commits that empty them.

Each module that keeps something per process declares it here
(``declarer``): its name, its key, its lifetime and what empties it, with the
function that empties it. ``vider_tout()`` empties them all (the test fixture
between tests; an operator after a manual change). ``registre()`` lists them
(README, « Caches »).

Three caches hold rows that a commit can change: the referential option
lists (``app.referentiels.options``), the permission sets
(``app.security.manager``) and the public pages (``app.views.cache_public``).
Each is emptied as soon as a commit of this process changed what it holds
(``vider_apres_commit``, the one place that watches the session); other
processes see the change through a token or within a delay. The others are
keyed on everything their value depends on, or hold statements built once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Cache:
    nom: str
    cle: str
    duree: str
    vide_par: str
    vider: Callable[[], None]


_registre: dict[str, Cache] = {}


def declarer(nom: str, *, cle: str, duree: str, vide_par: str, vider: Callable[[], None]) -> Cache:
    """Register a per-process cache (once per name: importing twice is harmless)."""
    cache = Cache(nom, cle, duree, vide_par, vider)
    _registre[nom] = cache
    return cache


def declarer_requete(nom: str, fonction, *, cle: str = "aucune (construite une fois)") -> None:
    """A ``functools.cache``'d builder of statements: rebuilt after emptying."""
    declarer(nom, cle=cle, duree="le processus", vide_par="vider_tout (rien ne la périme)", vider=fonction.cache_clear)


def registre() -> list[Cache]:
    return sorted(_registre.values(), key=lambda cache: cache.nom)


def vider_tout() -> None:
    """Empty every registered cache of this process."""
    for cache in _registre.values():
        cache.vider()
