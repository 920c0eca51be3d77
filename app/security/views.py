"""FAB's security screens, restricted to the routes this project uses.

FAB's defaults expose download, show-action and bulk-action routes the
security models never need; each one is a permission and a route to guard.
"""

from __future__ import annotations

from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    ViewMenuModelView,
)

CRUD = {"list", "show", "add", "edit", "delete"}


class UtilisateurView(UserDBModelView):
    include_route_methods = CRUD | {"userinfo"}

    def pre_update(self, item):
        """A new e-mail (the identifier) or a deactivation ends the account's
        sessions, saved with the edit."""
        from sqlalchemy import inspect

        from app.security.sessions import invalider_sessions

        etat = inspect(item)
        if etat.attrs.email.history.has_changes() or (
            etat.attrs.active.history.has_changes() and not item.active
        ):
            invalider_sessions(item)


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
