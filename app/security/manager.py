"""The project's FAB security manager.

FAB checks each permission with its own query (one per menu entry and row
button: see shared/design/PERFORMANCE.md). Here a user's permission set is
loaded once per request with a single query and every ``has_access`` answers
from it. Roles stay data, editable by admins: nothing is cached across requests.
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import select

from app.security import auth
from app.security import views as security_views


class EspaceSecurityManager(SecurityManager):
    userdbmodelview = security_views.UtilisateurView
    rolemodelview = security_views.RoleView
    groupmodelview = security_views.GroupeView
    permissionmodelview = security_views.PermissionView
    viewmenumodelview = security_views.ViewMenuView
    permissionviewmodelview = security_views.PermissionViewView
    authdbview = auth.AuthDBView
    resetmypasswordview = auth.ResetMyPasswordView
    security_api = auth.SecurityApi

    def auth_user_db(self, username, password):
        # Lockout, account-state checks and the attempts log (app.security.auth).
        return auth.auth_user_db(username, password)

    def _role_names_and_ids(self, user) -> tuple[frozenset[str], tuple[int, ...]]:
        if user is None and has_request_context():
            # FAB looks the public role up by name at every check (one query per
            # menu entry on an anonymous page): once per request is enough.
            if "_espace_public_role" not in g:
                g._espace_public_role = self._names_and_ids([self.get_public_role()])
            return g._espace_public_role
        return self._names_and_ids([self.get_public_role()] if user is None else self.get_user_roles(user))

    @staticmethod
    def _names_and_ids(roles) -> tuple[frozenset[str], tuple[int, ...]]:
        roles = [r for r in roles if r is not None]
        return frozenset(r.name for r in roles), tuple(sorted(r.id for r in roles))

    def _load_permissions(self, role_ids: tuple[int, ...]) -> frozenset[tuple[str, str]]:
        if not role_ids:
            return frozenset()
        rows = self.session.execute(
            select(Permission.name, ViewMenu.name)
            .select_from(PermissionView)
            .join(Permission, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .where(assoc_permissionview_role.c.role_id.in_(role_ids))
        )
        return frozenset((p, v) for p, v in rows)

    def permissions_of(self, user) -> frozenset[tuple[str, str]]:
        """All (permission, view) pairs of ``user`` (None: the public role)."""
        names, ids = self._role_names_and_ids(user)
        if not has_request_context():
            return self._load_permissions(ids)
        cache = g.setdefault("_espace_perms", {})
        if ids not in cache:
            cache[ids] = self._load_permissions(ids)
        return cache[ids]

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        return (permission_name, view_name) in self.permissions_of(user)

    def is_item_public(self, permission_name, view_name):
        return (permission_name, view_name) in self.permissions_of(None)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        perms = self.permissions_of(user)
        if view_menus_name is None:
            return {v for p, v in perms if p == permission_name}
        return {v for v in view_menus_name if (permission_name, v) in perms}

    def user_role_names(self, user) -> frozenset[str]:
        return self._role_names_and_ids(user)[0]

    def find_role(self, name):
        return self.session.scalar(select(Role).where(Role.name == name))
