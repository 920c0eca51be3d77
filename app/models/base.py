"""Shared column helpers for the project's models."""

from __future__ import annotations

import enum
import functools
from datetime import UTC, datetime

import sqlalchemy as sa

from app import caches
from app.extensions import preparee


def utcnow() -> datetime:
    """Naive UTC timestamp (stored without time zone on every backend)."""
    return datetime.now(UTC).replace(tzinfo=None)


def state_column(enum_cls: type[enum.Enum], *, name: str, default=None, index=True) -> sa.Column:
    """A state stored as its string value with a named CHECK constraint.

    Native database enums are avoided: adding a state is then a constraint
    change, not a type migration, and SQLite and PostgreSQL behave the same.
    """
    # Member names equal their values ("brouillon" = "brouillon"): FAB's
    # generated forms and filters work on names, the database stores values.
    mismatched = [m.name for m in enum_cls if m.name != m.value]
    if mismatched:
        raise ValueError(f"{enum_cls.__name__}: name != value for {mismatched}")
    return sa.Column(
        sa.Enum(
            enum_cls,
            name=name,
            native_enum=False,
            create_constraint=True,
            validate_strings=True,
            length=max(len(m.value) for m in enum_cls),
        ),
        nullable=False,
        default=default,
        index=index,
    )


class TimestampMixin:
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


def migration_object_filter():
    """Alembic ``include_object`` hook: leave out of the comparison the
    PostgreSQL-only column and index that the models create by DDL
    (``app.models.comptes.OBJETS_POSTGRESQL``, ``app.models.dossier.INDEX_FILE_DOSSIERS``);
    the models do not map them."""

    from app.models.comptes import OBJETS_POSTGRESQL
    from app.models.dossier import INDEX_FILE_DOSSIERS

    objets = {*OBJETS_POSTGRESQL, *INDEX_FILE_DOSSIERS}

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        return not (reflected and compare_to is None and name in objets)

    return include_object


def references_liees(liens: dict[str, sa.Table]) -> sa.CompoundSelect:
    """The referential ids linked to the owners given as ``proprietaires``
    (a list, bound at execution) through several link tables (columns: owner
    id, referential id), in one statement (UNION ALL) instead of one
    collection load per table: rows ``(cle, proprietaire, reference)``,
    ``cle`` being the key of the table in ``liens``. Built once per set of
    tables (building it is about 1,000 Python calls)."""
    return _references_liees(tuple(liens.items()))


@functools.cache
def _references_liees(liens: tuple[tuple[str, sa.Table], ...]) -> sa.CompoundSelect:
    selects = []
    for cle, lien in liens:
        proprietaire, reference = list(lien.c)
        selects.append(
            sa.select(sa.literal(cle).label("cle"), proprietaire.label("proprietaire"), reference.label("reference"))
            .where(proprietaire.in_(sa.bindparam("proprietaires", expanding=True)))
        )
    return preparee(sa.union_all(*selects))


caches.declarer_requete("references_liees", _references_liees)
