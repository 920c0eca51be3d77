"""FAB filters implementing the row-level rules of ``app.security.scope``."""

from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter

from app.security.scope import demandes_visibles, structure_visible


class FilterMaStructure(BaseFilter):
    """Rows of the current gestionnaire's structure; national roles see all.

    Used as ``base_filters = [["structure_id", FilterMaStructure, None]]``:
    FAB applies base filters to lists, to show/edit/delete by primary key and to
    the REST API, so a row of another structure answers 404 everywhere.
    """

    name = "Ma structure"
    arg_name = "ma_structure"

    def apply(self, query, value):
        structure_id = structure_visible()
        if structure_id is None:
            return query
        return query.filter(getattr(self.model, self.column_name) == structure_id)


class FilterDemandesVisibles(BaseFilter):
    """Inscription requests staff may see (``scope.demandes_visibles``):
    transmitted ones of their structure (every structure for a national
    role); drafts never. ``[["structure_id", FilterDemandesVisibles, None]]``."""

    name = "Demandes visibles"
    arg_name = "demandes_visibles"

    def apply(self, query, value):
        return query.filter(*demandes_visibles())
