"""A database integrity error said in French, next to the field it concerns.

The forms check what they can before writing; a rule only the database can
enforce (a value already taken by another row, meanwhile) still ends in an
``IntegrityError``. Its raw text (« UNIQUE constraint failed … [SQL: …] »)
is never shown: ``erreur_integrite`` reads which constraint failed (its name
on PostgreSQL, its columns on SQLite) and gives the columns concerned and a
French message; ``signaler`` puts that message under the form's field, or
flashes it when the form has no such field. The FAB screens
(``app.views.base.EspaceModelView``), the console
(``app.views.backoffice.ConsoleModelView``) and, for any other page, the
application's error handler (``app.infra.errors``) all go through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import flash
from sqlalchemy.exc import IntegrityError

from app.extensions import db

DEJA_UTILISEE = "Cette valeur est déjà utilisée : saisissez-en une autre."
DEJA_UTILISEE_DANS = "Cette valeur est déjà utilisée ({portee}) : saisissez-en une autre."
OBLIGATOIRE = "Ce champ est obligatoire."
INEXISTANTE = "La valeur choisie n'existe plus : choisissez-en une autre."
REFUSEE = "Cette valeur est refusée : vérifiez-la."
GENERALE = ("L'enregistrement est impossible : une valeur saisie est déjà utilisée ou incohérente "
            "avec les données existantes. Vérifiez la saisie, puis recommencez.")

#: How the other columns of a composite unique key read (« dans cette structure »).
PORTEES = {"structure_id": "dans cette structure", "intervenant_id": "pour cet intervenant",
           "annonce_id": "pour cette annonce", "dossier_id": "dans ce dossier", "user_id": "pour ce compte"}


@dataclass(frozen=True)
class ErreurIntegrite:
    """The columns a failed constraint covers (most specific first) and the
    French message for the person who typed the value."""

    colonnes: tuple[sa.Column, ...]
    message: str


def _nature_et_cible(exc: IntegrityError) -> tuple[str, str | None, list[str]]:
    """(« unique » | « not_null » | « fk » | « check » | « ? », constraint name, ["table.colonne"…])."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg: the SQLSTATE and the constraint's name
        nature = {"23505": "unique", "23502": "not_null", "23503": "fk", "23514": "check"}.get(
            getattr(orig, "sqlstate", None) or "", "?")
        colonnes = [f"{diag.table_name}.{diag.column_name}"] if getattr(diag, "column_name", None) else []
        return nature, getattr(diag, "constraint_name", None), colonnes
    texte = str(orig)
    m = re.match(r"(UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed(?::\s*(.*))?", texte)
    if m is None:
        return "?", None, []
    nature = {"UNIQUE": "unique", "NOT NULL": "not_null", "CHECK": "check", "FOREIGN KEY": "fk"}[m.group(1)]
    detail = (m.group(2) or "").strip()
    if nature == "check":
        return nature, detail or None, []
    if nature == "unique" and detail.startswith("index "):
        return nature, detail.removeprefix("index ").strip("'\""), []
    return nature, None, [c.strip() for c in detail.split(",") if "." in c]


def _contrainte(nom: str | None, colonnes: list[str]) -> list[sa.Column]:
    """The columns of the named constraint or index (or the listed ones), from the models."""
    trouvees = []
    for table in db.metadata.tables.values():
        if nom:
            for contrainte in [*table.constraints, *table.indexes]:
                if contrainte.name == nom:
                    return list(getattr(contrainte, "columns", []))
        for nom_complet in colonnes:
            nom_table, _, nom_colonne = nom_complet.partition(".")
            if table.name == nom_table and nom_colonne in table.c:
                trouvees.append(table.c[nom_colonne])
    return trouvees


def erreur_integrite(exc: IntegrityError) -> ErreurIntegrite:
    """What failed, in French: the columns (those a person types first, the
    keys that only scope the uniqueness last) and the message."""
    nature, nom, listees = _nature_et_cible(exc)
    colonnes = _contrainte(nom, listees)
    saisies = [c for c in colonnes if not c.foreign_keys] or colonnes
    portee = [PORTEES[c.name] for c in colonnes if c.foreign_keys and c.name in PORTEES]
    ordre = tuple(saisies + [c for c in colonnes if c not in saisies])
    if nature == "unique":
        message = DEJA_UTILISEE_DANS.format(portee=portee[0]) if portee and saisies != colonnes else DEJA_UTILISEE
    elif nature == "not_null":
        message = OBLIGATOIRE
    elif nature == "fk":
        message = INEXISTANTE
    elif nature == "check":
        message = REFUSEE
    else:
        message = GENERALE
    return ErreurIntegrite(ordre, message)


def _noms_de_champ(colonne: sa.Column) -> list[str]:
    """The form field names a column may have: its own, and the relationships
    it is the key of (FAB and flask-admin name a foreign key's field after
    the relationship: ``structure`` for ``structure_id``)."""
    noms = [colonne.name]
    for mapper in db.Model.registry.mappers:
        if colonne.table is mapper.local_table:
            noms += [r.key for r in mapper.relationships if colonne in r.local_columns]
    return noms


def signaler(exc: IntegrityError, form=None) -> str | None:
    """Put the French message under the form's field the error concerns and
    return that field's name; without such a field, flash it (and return None).
    The raw error goes to the log only."""
    erreur = erreur_integrite(exc)
    if form is not None:
        for colonne in erreur.colonnes:
            for nom in _noms_de_champ(colonne):
                champ = form._fields.get(nom) if hasattr(form, "_fields") else None
                if champ is not None:
                    champ.errors = [*(champ.errors or []), erreur.message]
                    flash("L'enregistrement est impossible : corrigez le champ signalé.", "danger")
                    return nom
    flash(erreur.message if erreur.message == GENERALE else f"L'enregistrement est impossible. {erreur.message}",
          "danger")
    return None
