"""Screen declarations next to their forms (issue 36 point 2): a form's
fieldsets (``Groupe``) and a detail page's rows (``Ligne``, ``Section``).

The templates render them through ``templates/widgets/_formulaire.html``
(``groupe``, ``champs``, ``fiche``) instead of listing each field by hand: a
field added to a form and to its declaration shows up with its label, hint
(the field's ``description``), required mark and error, in the declared order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wtforms.fields.core import UnboundField


@dataclass(frozen=True)
class Groupe:
    """A fieldset: its key (and id in the page unless ``ancre`` is false),
    legend, fields in order, the fields marked « * » without being refused
    empty (a draft may be partial; what is missing is listed at submission),
    an optional hint before the fields and a note after them."""

    id: str
    legende: str
    champs: tuple[str, ...]
    requis: frozenset[str] = field(default_factory=frozenset)
    intro: str | None = None
    note: str | None = None
    ancre: bool = True


def groupes(*declares: Groupe) -> dict[str, Groupe]:
    """The fieldsets by id, in the declared order (templates call them by id
    where a fieldset holds more than its fields)."""
    return {g.id: g for g in declares}


def champs_de_saisie(form_class) -> tuple[str, ...]:
    """The input fields of a form class, in declaration order (no buttons):
    what its ``groupes`` must place, once each."""
    noms = [(valeur.creation_counter, nom) for nom, valeur in vars(form_class).items()
            if isinstance(valeur, UnboundField) and valeur.field_class.__name__ != "SubmitField"]
    return tuple(nom for _, nom in sorted(noms))


@dataclass(frozen=True)
class Ligne:
    """A row of a detail page: label, value read from the object (an
    attribute name or a function), shown only when the page's context flag
    ``si`` is true (``None``: always)."""

    libelle: str
    valeur: str | Callable[[Any], Any]
    si: str | None = None

    def lire(self, objet) -> Any:
        if callable(self.valeur):
            return self.valeur(objet)
        valeur = getattr(objet, self.valeur)
        return "" if valeur is None else valeur


@dataclass(frozen=True)
class Section:
    """A titled block of rows (``<h3>`` then ``<dl>``), shown when ``si`` is true."""

    titre: str
    lignes: tuple[Ligne, ...]
    si: str | None = None
