"""Exported cells without formula injection (issue 19, point 4; OWASP CSV injection).

A spreadsheet opens a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula: a first name ``=HYPERLINK(...)`` saved by an
intervenant became a live link in a gestionnaire's export. Every export goes
through this module: XLSX rows written with ``ligne_xlsx`` (such strings are
text cells, value unchanged), other formats (CSV, the console's exports)
through ``neutraliser`` (an apostrophe in front, as spreadsheets expect).
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell

DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def formule_possible(valeur) -> bool:
    return isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE)


def neutraliser(valeur):
    """A text value a spreadsheet will not read as a formula (others unchanged)."""
    return "'" + valeur if formule_possible(valeur) else valeur


def ligne_xlsx(feuille, valeurs: Iterable) -> list:
    """The row's cells for a write-only openpyxl sheet: strings that could be
    formulas are typed as text (openpyxl would write them as formulas)."""
    cellules = []
    for valeur in valeurs:
        if formule_possible(valeur):
            cellule = WriteOnlyCell(feuille, valeur)
            cellule.data_type = "s"  # openpyxl typed it "f" (formula)
            cellules.append(cellule)
        else:
            cellules.append(valeur)
    return cellules
