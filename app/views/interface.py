"""The project's Flask-AppBuilder data interface.

FAB builds a ``Filters`` object for every query it runs, and each one
converts every column of the model into its filter classes (about 280
conversions per list request on ``Intervenant``: 9 ms, issue #6). The
conversion depends only on the model's columns, so it is memoised per data
interface. ``InterfaceChargee`` also eager-loads the relations its list shows.
"""

from __future__ import annotations

from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface


class ConvertisseurMemorise(SQLAFilterConverter):
    _memo: dict[tuple[SQLAInterface, str], list] = {}

    def convert(self, col_name):
        key = (self.datamodel, col_name)
        if key not in self._memo:
            self._memo[key] = super().convert(col_name)
        return self._memo[key]


class InterfaceEspace(SQLAInterface):
    filter_converter_class = ConvertisseurMemorise


class InterfaceChargee(InterfaceEspace):
    """List queries eager-load the relations shown in the list columns (FAB
    would lazy-load them row by row)."""

    def __init__(self, obj, *options, session=None):
        super().__init__(obj, session)
        self._options = options

    def apply_all(self, query, *args, **kwargs):
        return super().apply_all(query, *args, **kwargs).options(*self._options)
