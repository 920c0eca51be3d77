"""Apply ``app.security.roles.ROLES`` to the database (idempotent)."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from app.security.roles import EXTRA_PERMISSIONS, ROLES

log = logging.getLogger(__name__)


class RoleDeclarationError(RuntimeError):
    """A role declares a permission no registered view provides."""


def sync_roles() -> dict[str, int]:
    """Create the permissions of every registered view, then give each declared
    role exactly its declared permissions, and drop permissions of views that no
    longer exist. Returns the number of permissions per role."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    # FAB's own step: one permission/view pair per exposed route and menu entry
    # (the Admin role gets all of them).
    if sm.find_role(sm.auth_role_admin) is None:
        sm.add_role(sm.auth_role_admin)
    if sm.find_role(sm.auth_role_public) is None:
        sm.add_role(sm.auth_role_public)
    appbuilder.add_permissions(update_perms=True)
    sm.security_cleanup(appbuilder.baseviews, appbuilder.menu)
    # Permissions guarding pages that are not FAB views (the flask-admin console).
    for permission_name, view_name in EXTRA_PERMISSIONS:
        sm.add_permission_view_menu(permission_name, view_name)

    counts: dict[str, int] = {}
    missing: list[str] = []
    for role_name, declared in ROLES.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = []
        for permission_name, view_name in sorted(set(declared)):
            pv = sm.find_permission_view_menu(permission_name, view_name)
            if pv is None:
                missing.append(f"{role_name}: ({permission_name}, {view_name})")
            else:
                wanted.append(pv)
        role.permissions = wanted
        counts[role_name] = len(wanted)
    if missing:
        db.session.rollback()
        raise RoleDeclarationError(
            "Permissions déclarées mais inexistantes (vue non enregistrée ?) :\n  " + "\n  ".join(missing)
        )
    db.session.commit()
    log.info("Rôles synchronisés : %s", counts)
    return counts
