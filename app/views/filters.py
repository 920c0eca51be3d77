"""FAB filters implementing the row-level rules of ``app.security.scope``."""

from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter

from app.security.scope import current_structure_id, is_national, no_row_id


class FilterMaStructure(BaseFilter):
    """Rows of the current gestionnaire's structure; national roles see all.

    Used as ``base_filters = [["structure_id", FilterMaStructure, None]]``:
    FAB applies base filters to lists, to show/edit/delete by primary key and to
    the REST API, so a row of another structure answers 404 everywhere.
    """

    name = "Ma structure"
    arg_name = "ma_structure"

    def apply(self, query, value):
        if is_national():
            return query
        structure_id = current_structure_id()
        column = getattr(self.model, self.column_name)
        return query.filter(column == (structure_id if structure_id is not None else no_row_id()))
