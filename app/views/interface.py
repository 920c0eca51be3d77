"""The project's Flask-AppBuilder data interface.

FAB builds a ``Filters`` object for every query it runs, and each one
converts every column of the model into its filter classes (about 280
conversions per list request on ``Intervenant``: 9 ms, issue #6). The
conversion depends only on the model's columns, so it is memoised per data
interface. ``InterfaceChargee`` also eager-loads the relations its list shows,
and reads the referential lists its show page displays in one statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_appbuilder.models.sqla.filters import (
    FilterEqual,
    FilterGreater,
    FilterIn,
    FilterNotEqual,
    FilterNotIn,
    FilterSmaller,
    SQLAFilterConverter,
    get_field_setup_query,
    set_value_to_type,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.infra import caches
from app.infra.formatting import debut_du_jour, paris_vers_utc
from app.models.base import references_liees


def _heure_stockee(filtre, value):
    """The typed value of a date and time criterion, read as Paris time, as
    the stored (naive UTC) instant; None when it is not a date."""
    valeur = set_value_to_type(filtre.datamodel, filtre.column_name, value)
    return paris_vers_utc(valeur) if isinstance(valeur, datetime) else None


def _jour_de_paris(filtre, value) -> date | None:
    """A criterion typed as a day (no time, or midnight): that Paris day."""
    valeur = set_value_to_type(filtre.datamodel, filtre.column_name, value)
    if isinstance(valeur, datetime) and valeur.time() == time.min:
        return valeur.date()
    return None


class _SansRegistreGlobal:
    """FAB's ``BaseFilter.__init__`` records its class in the process-wide
    ``map_args_filter`` under its ``arg_name`` (« eq », « gt »…), which the
    REST APIs read for every column: instantiating ``EgalParis`` made « eq »
    mean the Paris day for enum columns too, and the interventions API's
    ``etat`` filter matched nothing once a list page had been drawn. These
    filters keep FAB's ``arg_name`` (the APIs still accept « eq » on a date)
    without taking that map over."""

    def __init__(self, column_name, datamodel, is_related_view=False):
        self.column_name = column_name
        self.datamodel = datamodel
        self.model = datamodel.obj
        self.is_related_view = is_related_view


class EgalParis(_SansRegistreGlobal, FilterEqual):
    """« Égal à » a day means that Paris day (00:00 to 24:00, stored UTC),
    a time that Paris instant (issue 27)."""

    def apply(self, query, value):
        jour = _jour_de_paris(self, value)
        if jour is None:
            return super().apply(query, _heure_stockee(self, value))
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field >= debut_du_jour(jour), field < debut_du_jour(jour + timedelta(days=1)))


class DifferentParis(_SansRegistreGlobal, FilterNotEqual):
    def apply(self, query, value):
        jour = _jour_de_paris(self, value)
        if jour is None:
            return super().apply(query, _heure_stockee(self, value))
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(sa.or_(field < debut_du_jour(jour), field >= debut_du_jour(jour + timedelta(days=1))))


class ApresParis(_SansRegistreGlobal, FilterGreater):
    def apply(self, query, value):
        return super().apply(query, _heure_stockee(self, value))


class AvantParis(_SansRegistreGlobal, FilterSmaller):
    def apply(self, query, value):
        return super().apply(query, _heure_stockee(self, value))


def _valeurs(value) -> list:
    """« Parmi » typed in a search form: values separated by commas (FAB
    passes the field's one string as it was typed)."""
    valeurs = [value] if isinstance(value, str) else list(value)
    return [v.strip() for texte in valeurs for v in str(texte).split(",") if v.strip()]


class ParmiListe(_SansRegistreGlobal, FilterIn):
    def apply(self, query, value):
        return super().apply(query, _valeurs(value))


class HorsListe(_SansRegistreGlobal, FilterNotIn):
    def apply(self, query, value):
        return super().apply(query, _valeurs(value))


_REMPLACES = {FilterIn: ParmiListe, FilterNotIn: HorsListe}


class ConvertisseurMemorise(SQLAFilterConverter):
    """FAB's filters, memoised; the date and time ones read Paris time,
    « Parmi » / « Hors de » read comma-separated values."""

    conversion_table = tuple(
        (nom, [EgalParis, ApresParis, AvantParis, DifferentParis]) if nom == "is_datetime"
        else (nom, [_REMPLACES.get(f, f) for f in filtres])
        for nom, filtres in SQLAFilterConverter.conversion_table
    )
    _memo: dict[tuple[SQLAInterface, str], list] = {}

    def convert(self, col_name):
        key = (self.datamodel, col_name)
        if key not in self._memo:
            self._memo[key] = super().convert(col_name)
        return self._memo[key]


class InterfaceEspace(SQLAInterface):
    filter_converter_class = ConvertisseurMemorise


#: A many-to-many shown as labels: its link table (owner id, referential id)
#: and the referential's cached ``(id, label)`` list in the relation's order.
ListeLiee = tuple[sa.Table, Callable[[], tuple[tuple[int, str], ...]]]


class InterfaceChargee(InterfaceEspace):
    """List queries eager-load the relations shown in the list columns (FAB
    would lazy-load them row by row). The show page's referential lists
    (``listes``) come from one statement over their link tables, labelled
    from the cached option lists: FAB loads each collection of referential
    rows with its own query (four on an annonce's page)."""

    def __init__(self, obj, *options, session=None, listes: dict[str, ListeLiee] | None = None):
        super().__init__(obj, session)
        self._options = options
        self._listes = listes or {}

    def apply_all(self, query, *args, **kwargs):
        return super().apply_all(query, *args, **kwargs).options(*self._options)

    def get_values_item(self, item, show_columns):
        listes = {col: self._listes[col] for col in show_columns if col in self._listes}
        if not listes:
            return super().get_values_item(item, show_columns)
        lies: dict[str, set[int]] = {col: set() for col in listes}
        requete = references_liees({col: lien for col, (lien, _) in listes.items()})
        for col, _, reference in self.session.execute(requete, {"proprietaires": [self.get_pk_value(item)]}):
            lies[col].add(reference)
        libelles = {col: [libelle for id_, libelle in choix() if id_ in lies[col]] for col, (_, choix) in listes.items()}
        return [libelles[col] if col in libelles else self._get_attr_value(item, col) for col in show_columns]


caches.declarer("fab.filtres_convertis", cle="interface de données, colonne", duree="le processus",
                vide_par="rien : les colonnes d'un modèle ne changent pas", vider=ConvertisseurMemorise._memo.clear)
