"""Option lists of the referentials (spécialités, régions, départements…),
cached per process (rendered by ``app.forms.champs.SelectRapide``).

Why: the search forms show six or seven such lists (about 300 options); read
and rendered at every request they were half of the annonce search's time
(issue #6, BENCHMARKS.md). Referentials change only through the back-office
or the import command, so each process keeps a list for
``CACHE_REFERENTIELS_SECONDES`` at most, and drops all of them at once after
a commit that touched a referential in this process. Another process sees a
change within that delay.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.infra.caches import declarer, vider_apres_commit
from app.models.referentiels import Departement, Region, SousSpecialite, Specialite

_cache: dict[tuple, tuple[float, tuple[tuple[int, str], ...]]] = {}
MODULE_REFERENTIELS = "app.models.referentiels"


def options(model, libelle: str | tuple[str, ...] = "libelle", ordre: str | None = None,
            actifs: bool = False) -> tuple[tuple[int, str], ...]:
    """``(id, label)`` of ``model`` ordered by ``ordre`` (default: the label);
    a tuple ``libelle`` joins several columns with " - " (« 84 - Vaucluse »)."""
    key = (model, libelle, ordre, actifs)
    ttl = current_app.config.get("CACHE_REFERENTIELS_SECONDES", 60)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    colonnes = [getattr(model, c) for c in ((libelle,) if isinstance(libelle, str) else libelle)]
    stmt = select(model.id, *colonnes).order_by(getattr(model, ordre) if ordre else colonnes[0])
    if actifs:
        stmt = stmt.where(model.actif.is_(True))
        parent = parent_de(model)
        if parent is not None:
            modele_parent, cle = parent
            stmt = stmt.join(modele_parent, getattr(model, cle) == modele_parent.id).where(modele_parent.actif.is_(True))
    valeur = tuple((row[0], " - ".join(str(v) for v in row[1:])) for row in db.session.execute(stmt))
    if ttl > 0:
        _cache[key] = (now + ttl, valeur)
    return valeur


#: After a kept entry that is no longer offered (``options_actives``).
RETIREE = " (valeur retirée)"


def options_actives(model, libelle: str | tuple[str, ...] = "libelle", ordre: str | None = None,
                    garder=()) -> tuple[tuple[int, str], ...]:
    """The choices of a form: the active entries (``options(..., actifs=True)``)
    plus those of ``garder``, the ids the edited row already holds, even if
    deactivated since (issue 27): the row still shows them and can be saved
    as it is, while nobody can pick them anew. Both lists come from the
    cache: no statement."""
    actives = options(model, libelle, ordre, actifs=True)
    garder = {v for v in garder if v is not None}
    if not garder:
        return actives
    ids_actifs = {i for i, _ in actives}
    if garder <= ids_actifs:
        return actives
    return tuple(
        (i, texte if i in ids_actifs else texte + RETIREE)
        for i, texte in options(model, libelle, ordre) if i in ids_actifs or i in garder
    )


def parent_de(model):
    """(parent model, foreign key) of a referential whose entries hang under
    another's: a deactivated parent hides its children from every choice list
    (a sous-spécialité of a deactivated spécialité is not offered)."""
    return {SousSpecialite: (Specialite, "specialite_id"), Departement: (Region, "region_id")}.get(model)


def vider() -> None:
    _cache.clear()


def _referentiel(obj) -> bool:
    return type(obj).__module__ == MODULE_REFERENTIELS


def init_app(app) -> None:
    vider_apres_commit(db.session, "referentiels", _referentiel, vider)


declarer("referentiels.options", cle="modèle, colonnes du libellé, ordre, actifs seulement",
         duree="CACHE_REFERENTIELS_SECONDES", vide_par="un commit de ce processus qui touche un référentiel", vider=vider)
