"""Shared column helpers for the project's models."""

from __future__ import annotations

import enum
import functools
from datetime import UTC, datetime

import sqlalchemy as sa

from app.extensions import preparee
from app.infra import caches


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


# -- an empty optional value is NULL, never '' ------------------------------------
def colonnes_uniques_facultatives(table: sa.Table) -> list[sa.Column]:
    """The nullable text columns of ``table`` that a unique constraint or a
    unique index covers: there, '' is a value (a second empty one breaks the
    uniqueness) where NULL is none (any number of rows may hold it)."""
    groupes = [c.columns for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    groupes += [i.columns for i in table.indexes if i.unique]
    vues, colonnes = set(), []
    for groupe in groupes:
        for colonne in groupe:
            if colonne.nullable and isinstance(colonne.type, sa.String) and colonne.name not in vues:
                vues.add(colonne.name)
                colonnes.append(colonne)
    return colonnes


def _vide_en_null(target, value, oldvalue, initiator):
    """A blank text (a form's empty field, an API's "") stored as NULL."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


@sa.event.listens_for(sa.orm.Mapper, "mapper_configured")
def _brancher_vide_en_null(mapper, class_) -> None:
    """Every mapped unique optional text column converts a blank value to
    None when it is set (constructor, forms, APIs, console): one rule for
    the models present and to come (issue 40)."""
    table = mapper.local_table
    if not isinstance(table, sa.Table):
        return
    for colonne in colonnes_uniques_facultatives(table):
        for prop in mapper.column_attrs:
            if colonne in prop.columns and prop.class_attribute is not None:
                if not sa.event.contains(prop.class_attribute, "set", _vide_en_null):
                    sa.event.listen(prop.class_attribute, "set", _vide_en_null, retval=True)
