"""Row-level rules: who owns which rows. Each rule is written once, here,
in its two forms that agree: a Python check (guards, pages) and a SQL
condition (FAB filters, declared lists, the API).

« Ma structure » is ``Perimetre``: national roles see and act on every
structure, a gestionnaire on their own, anybody else on none (fail
closed). Views and list filters ask ``perimetre_courant()`` (the
signed-in user), workflow guards ``perimetre_de(acteur)``; both answer
« may this user act on rows of structure S » (``couvre`` / ``filtre``)
and apply a rule about one structure to the user's (``couvre_selon`` /
``filtre_selon``: national, every row; no structure, none).

« Lié à ma structure » is ``lie_a_structure``: a trainer attached to the
structure (their inscription request goes there) or who applied to one of
its annonces; ``Perimetre.lie`` / ``Perimetre.filtre_lies`` for the user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import bindparam, exists, false, or_, select, true
from sqlalchemy.sql.elements import ClauseElement

from app.extensions import db, preparee
from app.infra import caches
from app.models.annonces import Annonce, Candidature
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.security.roles import NATIONAL


def structure_du_gestionnaire(user_id_column):
    """The structure of a gestionnaire as a column of another query (the
    security manager reads it with the signed-in user)."""
    return select(Gestionnaire.structure_id).where(Gestionnaire.user_id == user_id_column).scalar_subquery()


def intervenant_du_user(user_id_column) -> tuple:
    """The intervenant's id and état as two columns of another query (the
    security manager reads them with the signed-in user)."""
    return tuple(
        select(colonne).where(Intervenant.user_id == user_id_column).scalar_subquery()
        for colonne in (Intervenant.id, Intervenant.etat_inscription)
    )


class IntervenantBref(NamedTuple):
    """What most intervenant pages need of the profile: its id and état."""

    id: int
    etat_inscription: EtatInscription


def noter_intervenant(user_id: int, intervenant_id: int | None, etat) -> None:
    """Remember, for this request, a user's intervenant read elsewhere (None: not one)."""
    g.setdefault("_intervenant_bref", {})[user_id] = (
        None if intervenant_id is None else IntervenantBref(intervenant_id, etat))


def noter_structure(user_id: int, structure_id: int | None) -> None:
    """Remember, for this request, a structure read elsewhere."""
    g.setdefault("_structure_of_user", {})[user_id] = structure_id


def structure_id_of_user(user_id: int | None) -> int | None:
    """The structure a gestionnaire works for (None if not a gestionnaire)."""
    if user_id is None:
        return None
    if has_request_context():
        cache = g.setdefault("_structure_of_user", {})
        if user_id not in cache:
            cache[user_id] = db.session.scalar(
                select(Gestionnaire.structure_id).where(Gestionnaire.user_id == user_id)
            )
        return cache[user_id]
    return db.session.scalar(select(Gestionnaire.structure_id).where(Gestionnaire.user_id == user_id))


def utilisateur_courant():
    """The signed-in user: the session cookie's, or the bearer token's (an API
    call: FAB's ``load_user_jwt`` sets ``g.user``, flask-login knows nothing
    of it); None when anonymous."""
    if current_user and current_user.is_authenticated:
        return current_user
    user = g.get("user") if has_request_context() else None
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def current_role_names() -> frozenset[str]:
    user = utilisateur_courant()
    if user is None:
        return frozenset()
    return frozenset(r.name for r in user.roles)


def is_national() -> bool:
    return bool(current_role_names() & NATIONAL)


def current_structure_id() -> int | None:
    user = utilisateur_courant()
    return None if user is None else structure_id_of_user(user.id)


@functools.cache
def _requete_intervenant():
    return preparee(select(Intervenant).where(Intervenant.user_id == bindparam("user_id")))


def current_intervenant() -> Intervenant | None:
    """The signed-in user's profile, read once per request (the menu and the
    view both ask)."""
    if not current_user or not current_user.is_authenticated:
        return None
    cache = g.setdefault("_intervenant_of_user", {}) if has_request_context() else {}
    if current_user.id not in cache:
        cache[current_user.id] = db.session.scalar(_requete_intervenant(), {"user_id": current_user.id})
    return cache[current_user.id]


def intervenant_bref() -> IntervenantBref | None:
    """The signed-in user's intervenant id and état, read with the user
    (``noter_intervenant``): no statement of its own, unlike the whole
    profile (``current_intervenant``); None when not an intervenant."""
    if not current_user or not current_user.is_authenticated:
        return None
    notes = g.get("_intervenant_bref", {}) if has_request_context() else {}
    if current_user.id in notes:
        return notes[current_user.id]
    profil = current_intervenant()
    return None if profil is None else IntervenantBref(profil.id, profil.etat_inscription)


def no_row_id() -> int:
    """An id no row has: filters on it return nothing (fail closed)."""
    return -1


def filtre_prepare(colonne, parametre: str):
    """A gestionnaire's « ma structure » condition with the structure bound
    at execution (``Perimetre.parametres``): one prepared statement serves
    every gestionnaire (declared lists, the menu's badges)."""
    return colonne == bindparam(parametre)


def lie_a_structure(intervenant_id, rattachement, structure_id):
    """« Lié à ma structure » as SQL: the trainer ``intervenant_id`` (their
    structure of rattachement ``rattachement``) is attached to
    ``structure_id`` or applied to one of its annonces. Each argument is a
    column or a value: the trainers linked to a structure
    (``Intervenant.id, Intervenant.structure_id, s``), the structures a
    trainer is linked to (``i, r, Structure.id``)."""
    attache = rattachement == structure_id
    if not isinstance(attache, ClauseElement):  # two values
        attache = true() if attache and structure_id is not None else false()
    candidat = exists().where(Candidature.intervenant_id == intervenant_id, Candidature.annonce_id == Annonce.id,
                              Annonce.structure_id == structure_id)
    return or_(attache, candidat)


@dataclass(frozen=True)
class Perimetre:
    """The structures whose rows a user sees and acts on."""

    national: bool
    structure_id: int | None

    def couvre_selon(self, regle: Callable[[int], bool]) -> bool:
        """A rule about one structure, for this user: national roles pass,
        a user without structure fails, a gestionnaire as ``regle(structure_id)``."""
        return self.national or (self.structure_id is not None and bool(regle(self.structure_id)))

    def filtre_selon(self, regle):
        """``couvre_selon`` as SQL: ``regle(structure_id)`` is a SQL condition."""
        if self.national:
            return true()
        return regle(self.structure_id) if self.structure_id is not None else false()

    def couvre(self, structure_id: int | None) -> bool:
        """May the user act on a row of ``structure_id``?"""
        return self.couvre_selon(lambda mienne: structure_id == mienne)

    def filtre(self, colonne):
        """``couvre`` as a SQL condition on a structure id column."""
        return self.filtre_selon(lambda mienne: colonne == mienne)

    def filtre_via(self, cle, parent_id, parent_structure):
        """Rows whose parent is in scope (a lettre's intervention, a
        candidature's annonce): ``cle`` among the ``parent_id`` whose
        ``parent_structure`` the user covers; national roles, every row."""
        return self.filtre_selon(lambda mienne: cle.in_(select(parent_id).where(parent_structure == mienne)))

    def lie(self, intervenant_id: int, rattachement: int | None) -> bool:
        """Is this trainer « lié à ma structure » (``lie_a_structure``)?
        National roles: every trainer. Attached: no query."""
        return self.couvre(rattachement) or self.couvre_selon(lambda mienne: db.session.scalar(
            select(lie_a_structure(intervenant_id, rattachement, mienne))))

    def filtre_lies(self, intervenant_id=Intervenant.id, rattachement=Intervenant.structure_id):
        """``lie`` as SQL, on the trainer's columns (``Intervenant``'s by default)."""
        return self.filtre_selon(lambda mienne: lie_a_structure(intervenant_id, rattachement, mienne))

    def structure_visible(self) -> int | None:
        """None: every structure; else the one structure, or ``no_row_id()``
        when the user has none (a filter on it returns nothing)."""
        if self.national:
            return None
        return self.structure_id if self.structure_id is not None else no_row_id()

    def parametres(self, parametre: str) -> dict:
        """The bound value of ``filtre_prepare(colonne, parametre)``: none for
        a national role (their statement has no such condition)."""
        return {} if self.national else {parametre: self.structure_visible()}


def perimetre_de(acteur) -> Perimetre:
    """The scope of a workflow actor (``app.workflows.core.Acteur``)."""
    if acteur.roles & NATIONAL:
        return Perimetre(True, None)
    return Perimetre(False, structure_id_of_user(acteur.user_id))


def perimetre_courant() -> Perimetre:
    """The scope of the signed-in user (anonymous: no structure)."""
    if is_national():
        return Perimetre(True, None)
    return Perimetre(False, current_structure_id())


def dans_ma_structure(structure_id: int | None) -> bool:
    """May the signed-in user act on a row of ``structure_id``?"""
    return perimetre_courant().couvre(structure_id)


caches.declarer_requete("scope.requete_intervenant", _requete_intervenant)


def demande_visible(etat, structure_id: int | None) -> bool:
    """An inscription request is seen by staff once transmitted (a draft is
    the intervenant's alone), and only within their scope (« ma structure »)."""
    if etat is None or etat == EtatInscription.brouillon:
        return False
    return dans_ma_structure(structure_id)


def profil_visible(etat, structure_id: int | None) -> bool:
    """Staff read a profile (its pages and files) when it is in the
    CV-thèque (validated, every structure) or its request is visible."""
    return etat == EtatInscription.validee or demande_visible(etat, structure_id)


def demandes_visibles() -> list:
    """``demande_visible`` as WHERE clauses on ``Intervenant`` (lists, API)."""
    return [Intervenant.etat_inscription != EtatInscription.brouillon,
            perimetre_courant().filtre(Intervenant.structure_id)]


def en_relation_avec(intervenant_id: int, structure_id: int | None) -> bool:
    """Whether the signed-in user's structure is linked to this person
    (``Perimetre.lie``): their personal contact details and birth date are
    shown only then."""
    return perimetre_courant().lie(intervenant_id, structure_id)
