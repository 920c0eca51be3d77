"""Row-level rules: who owns which rows.

The « ma structure » rule is written once, as ``Perimetre``: national roles
see and act on every structure, a gestionnaire on their own, anybody else on
none (fail closed). Views and list filters ask ``perimetre_courant()``
(the signed-in user), workflow guards ``perimetre_de(acteur)``; both answer
« may this user act on rows of structure S » (``couvre``) and « which
structures may this user see » (``structure_visible``, ``filtre``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import bindparam, exists, false, select, true

from app.extensions import db, preparee
from app.infra import caches
from app.models.annonces import Annonce, Candidature
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.security.roles import ADMIN, ADMIN_NATIONAL

NATIONAL_ROLES = frozenset({ADMIN, ADMIN_NATIONAL})


def structure_du_gestionnaire(user_id_column):
    """The structure of a gestionnaire as a column of another query (the
    security manager reads it with the signed-in user)."""
    return select(Gestionnaire.structure_id).where(Gestionnaire.user_id == user_id_column).scalar_subquery()


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
    return bool(current_role_names() & NATIONAL_ROLES)


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


def no_row_id() -> int:
    """An id no row has: filters on it return nothing (fail closed)."""
    return -1


@dataclass(frozen=True)
class Perimetre:
    """The structures whose rows a user sees and acts on."""

    national: bool
    structure_id: int | None

    def couvre(self, structure_id: int | None) -> bool:
        """May the user act on a row of ``structure_id``?"""
        return self.national or (self.structure_id is not None and structure_id == self.structure_id)

    def structure_visible(self) -> int | None:
        """None: every structure; else the one structure, or ``no_row_id()``
        when the user has none (a filter on it returns nothing)."""
        if self.national:
            return None
        return self.structure_id if self.structure_id is not None else no_row_id()

    def filtre(self, colonne):
        """The rule as a SQL condition on a structure id column."""
        if self.national:
            return true()
        return colonne == self.structure_id if self.structure_id is not None else false()


def perimetre_de(acteur) -> Perimetre:
    """The scope of a workflow actor (``app.workflows.core.Acteur``)."""
    if acteur.roles & NATIONAL_ROLES:
        return Perimetre(True, None)
    return Perimetre(False, structure_id_of_user(acteur.user_id))


def perimetre_courant() -> Perimetre:
    """The scope of the signed-in user (anonymous: no structure)."""
    if is_national():
        return Perimetre(True, None)
    return Perimetre(False, current_structure_id())


def structure_visible() -> int | None:
    """The rule of every « ma structure » list (``Perimetre.structure_visible``)."""
    return perimetre_courant().structure_visible()


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
    """Whether the user's structure has a relation with this person: their
    structure of rattachement (where their inscription request goes) or a
    candidature to one of its annonces; national roles, every person. Their
    personal contact details and birth date are shown only then."""
    perimetre = perimetre_courant()
    if perimetre.couvre(structure_id):
        return True
    if perimetre.structure_id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        Candidature.intervenant_id == intervenant_id,
        Candidature.annonce_id == Annonce.id,
        Annonce.structure_id == perimetre.structure_id,
    ))))
