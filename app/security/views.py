"""FAB's security screens, restricted to the routes this project uses.

FAB's defaults expose download, show-action and bulk-action routes the
security models never need; each one is a permission and a route to guard.
"""

from __future__ import annotations

from flask_appbuilder import expose, has_access
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    ViewMenuModelView,
)
from flask_appbuilder.security.views import UserStatsChartView as FabUserStatsChartView

from app.errors import ParametreInvalide

CRUD = {"list", "show", "add", "edit", "delete"}


class UtilisateurView(UserDBModelView):
    include_route_methods = CRUD | {"userinfo"}

    def process_form(self, form, is_created):
        """A new e-mail (the identifier) or a deactivation ends the account's
        sessions, in the edit's transaction. Checked here, before the form is
        copied onto the row: afterwards an autoflush has erased the change
        from the row's history."""
        super().process_form(form, is_created)
        if is_created:
            return
        from flask import request

        from app.security.sessions import invalider_sessions

        avant = self.datamodel.get(request.view_args.get("pk"))
        if avant is None:
            return
        email = (form.email.data or "").strip().lower() if "email" in form else avant.email
        desactive = "active" in form and avant.active and not form.active.data
        if email != avant.email or desactive:
            invalider_sessions(avant)


class RoleView(RoleModelView):
    # action_post carries the bulk "copyrole" action.
    include_route_methods = CRUD | {"action_post"}


class GroupeView(UserGroupModelView):
    include_route_methods = CRUD


class PermissionView(PermissionModelView):
    include_route_methods = {"list"}


class ViewMenuView(ViewMenuModelView):
    include_route_methods = {"list"}


class PermissionViewView(PermissionViewModelView):
    include_route_methods = {"list"}


class UserStatsChartView(FabUserStatsChartView):
    """FAB's user statistics (class name kept: endpoints stay
    ``UserStatsChartView.*``); a chart number that is not one of its charts
    (``/chart/created_by``) is a bad request, not a server error."""

    @expose("/chart/<group_by>")
    @expose("/chart/")
    @has_access
    def chart(self, group_by=0):
        numero = str(group_by)
        if not numero.isdigit() or int(numero) >= len(self.definitions):
            raise ParametreInvalide("Ce graphique n'existe pas.")
        return super().chart(int(numero))
