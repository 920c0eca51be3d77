"""Row-level rules: who owns which rows.

Used by views (``base_filters``), APIs and workflow guards so that the same
rule applies everywhere, never only in the UI.
"""

from __future__ import annotations

import functools

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import bindparam, exists, select

from app.extensions import db, preparee
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


def current_role_names() -> frozenset[str]:
    if not current_user or not current_user.is_authenticated:
        return frozenset()
    return frozenset(r.name for r in current_user.roles)


def is_national() -> bool:
    return bool(current_role_names() & NATIONAL_ROLES)


def current_structure_id() -> int | None:
    if not current_user or not current_user.is_authenticated:
        return None
    return structure_id_of_user(current_user.id)


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


def structure_visible() -> int | None:
    """The structure whose rows the user sees: None for a national role
    (every structure), else their structure's id, or ``no_row_id()`` when
    they have none (fail closed). The rule of every « ma structure » list."""
    if is_national():
        return None
    structure_id = current_structure_id()
    return structure_id if structure_id is not None else no_row_id()


def demande_visible(etat, structure_id: int | None) -> bool:
    """An inscription request is seen by staff once transmitted (a draft is
    the intervenant's alone), and only by the structure it went to."""
    if etat is None or etat == EtatInscription.brouillon:
        return False
    visible = structure_visible()
    return visible is None or visible == structure_id


def profil_visible(etat, structure_id: int | None) -> bool:
    """Staff read a profile (its pages and files) when it is in the
    CV-thèque (validated, every structure) or its request is visible."""
    return etat == EtatInscription.validee or demande_visible(etat, structure_id)


def demandes_visibles() -> list:
    """``demande_visible`` as WHERE clauses on ``Intervenant`` (lists, API)."""
    where = [Intervenant.etat_inscription != EtatInscription.brouillon]
    visible = structure_visible()
    if visible is not None:
        where.append(Intervenant.structure_id == visible)
    return where


def en_relation_avec(intervenant_id: int, structure_id: int | None) -> bool:
    """Whether the user's structure has a relation with this person: their
    structure of rattachement (where their inscription request goes) or a
    candidature to one of its annonces; national roles, every person. Their
    personal contact details and birth date are shown only then."""
    visible = structure_visible()
    if visible is None or visible == structure_id:
        return True
    from app.models.annonces import Annonce, Candidature

    return bool(db.session.scalar(select(exists().where(
        Candidature.intervenant_id == intervenant_id,
        Candidature.annonce_id == Annonce.id,
        Annonce.structure_id == visible,
    ))))
