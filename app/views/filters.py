"""FAB filters implementing the row-level rules of ``app.security.scope``."""

from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter

from app.referentiels.options import parent_de
from app.security.scope import demandes_visibles, perimetre_courant


class FilterMaStructure(BaseFilter):
    """Rows of the current gestionnaire's structure; national roles see all.

    Used as ``base_filters = [["structure_id", FilterMaStructure, None]]``:
    FAB applies base filters to lists, to show/edit/delete by primary key and to
    the REST API, so a row of another structure answers 404 everywhere.
    """

    name = "Ma structure"
    arg_name = "ma_structure"

    def apply(self, query, value):
        return query.filter(perimetre_courant().filtre(getattr(self.model, self.column_name)))


class FilterDemandesVisibles(BaseFilter):
    """Inscription requests staff may see (``scope.demandes_visibles``):
    transmitted ones of their structure (every structure for a national
    role); drafts never. ``[["structure_id", FilterDemandesVisibles, None]]``."""

    name = "Demandes visibles"
    arg_name = "demandes_visibles"

    def apply(self, query, value):
        return query.filter(*demandes_visibles())


class FilterChoixActifs(BaseFilter):
    """The referential entries a generated form offers (issue 27): the active
    ones, under an active parent (``options.parent_de``), plus those the
    edited row already holds (deactivated since: the row still shows and
    saves them). ``value``: pk → SELECT of the ids the row with that pk
    holds; the row is the one of the edit route (``/edit/<pk>``), none on
    the add route.

    ``add_form_query_rel_fields = {"specialites": [["id", FilterChoixActifs, tenus]]}``."""

    name = "Valeurs proposées"
    arg_name = "valeurs_proposees"

    def apply(self, query, value):
        from flask import has_request_context, request
        from sqlalchemy import and_, or_, select


        condition = self.model.actif.is_(True)
        if (parent := parent_de(self.model)) is not None:
            modele_parent, cle = parent
            condition = and_(condition, getattr(self.model, cle).in_(
                select(modele_parent.id).where(modele_parent.actif.is_(True))))
        pk = str((request.view_args or {}).get("pk", "")) if has_request_context() else ""
        if value is not None and pk.isascii() and pk.isdigit() and len(pk) < 10:
            condition = or_(condition, self.model.id.in_(value(int(pk))))
        return query.filter(condition)
