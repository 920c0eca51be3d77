"""Apply ``app.security.roles.ROLES`` to the database (idempotent) without
undoing what national administrators configured.

Each built-in role gets the permissions the code added since the last
synchronisation and loses those the code dropped; a permission an admin
granted or revoked in the roles screen stays as the admin left it. What the
code declared is recorded (``PermissionDeclaree``) to tell the two apart. The
first synchronisation of a role (no record) gives it exactly the code's list.
Permissions of views that no longer exist disappear with the views.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models.roles import PermissionDeclaree
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
    # Each role's pairs before FAB's cleanup, which deletes and re-creates the
    # pairs of pages that are not FAB views (the console): not an admin's removal.
    avant = {}
    for role_name in ROLES:
        role = sm.find_role(role_name)
        if role is not None:
            avant[role_name] = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
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
        declares = set(declared)
        precedents = _declarations(role_name)
        if precedents is None:
            voulues = declares
        else:
            voulues = (avant.get(role_name, set()) - (precedents - declares)) | (declares - precedents)
        wanted = []
        for permission_name, view_name in sorted(voulues):
            pv = sm.find_permission_view_menu(permission_name, view_name)
            if pv is not None:
                wanted.append(pv)
            elif (permission_name, view_name) in declares:
                missing.append(f"{role_name}: ({permission_name}, {view_name})")
        role.permissions = wanted
        _enregistrer(role_name, declares)
        counts[role_name] = len(wanted)
    if missing:
        db.session.rollback()
        raise RoleDeclarationError(
            "Permissions déclarées mais inexistantes (vue non enregistrée ?) :\n  " + "\n  ".join(missing)
        )
    db.session.commit()
    log.info("Rôles synchronisés : %s", counts)
    return counts


def _declarations(role_name: str) -> set[tuple[str, str]] | None:
    """What the code declared for this role at the last synchronisation
    (None: never synchronised with a record)."""
    rows = db.session.execute(
        select(PermissionDeclaree.permission, PermissionDeclaree.vue).where(PermissionDeclaree.role == role_name)
    ).all()
    return {(p, v) for p, v in rows} if rows else None


def _enregistrer(role_name: str, declares: set[tuple[str, str]]) -> None:
    db.session.execute(delete(PermissionDeclaree).where(PermissionDeclaree.role == role_name))
    db.session.add_all(PermissionDeclaree(role=role_name, permission=p, vue=v) for p, v in sorted(declares))
