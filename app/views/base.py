"""Base classes shared by the project's FAB views."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.widgets import ListWidget

from app.formatting import format_date


class ListeRapide(ListWidget):
    """FAB's list table with each row's links cut from one URL built per page
    (``widgets/liste.html``): same HTML, a fraction of the per-row work."""

    template = "widgets/liste.html"


class EspaceModelView(ModelView):
    """FAB ModelView showing dates the French way (dd/mm/yyyy [hh:mm]).

    FAB renders date columns with ``str()`` (ISO); every date and datetime
    column of the list and show pages gets a formatter unless the view sets
    its own.
    """

    page_size = 20
    list_widget = ListeRapide

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        formatters = {}
        for column in {*self.list_columns, *self.show_columns}:
            if "." in column:
                continue
            if self.datamodel.is_datetime(column):
                formatters[column] = lambda v: format_date(v, "%d/%m/%Y %H:%M")
            elif self.datamodel.is_date(column):
                formatters[column] = format_date
        self.formatters_columns = {**formatters, **self.formatters_columns}
