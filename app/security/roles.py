"""Roles and their permissions, declared in code.

``flask roles sync`` (``app.security.sync.sync_roles``) makes the database match
this file exactly: every permission/view pair a role should have is granted,
every other one is revoked. A role is a list of ``(permission, view_menu)``
pairs; cumulative lists (as in Airflow) keep the declarations short.
"""

from __future__ import annotations

INTERVENANT = "Intervenant"
GESTIONNAIRE = "Gestionnaire"
ADMIN_NATIONAL = "Administrateur national"
ADMIN = "Admin"  # FAB's built-in superuser role (every permission)
PUBLIC = "Public"

#: Permission giving access to the flask-admin console at /backoffice.
PERM_BACKOFFICE = ("can_access", "Backoffice")

#: Permissions of pages that are not FAB views, created by the sync command.
EXTRA_PERMISSIONS = (PERM_BACKOFFICE,)

# FAB's own pages every signed-in user needs (own info, own password).
_COMPTE = [
    ("can_userinfo", "UtilisateurView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
]

_INTERVENANT = _COMPTE + [
    ("can_show", "MonProfilView"),
    ("can_telecharger", "FichierView"),
    ("menu_access", "Mon profil"),
    ("menu_access", "Mon compte"),
]

_GESTIONNAIRE = _COMPTE + [
    ("can_list", "DemandeInscriptionView"),
    ("can_show", "DemandeInscriptionView"),
    ("menu_access", "Demandes d'inscription"),
    ("menu_access", "Gestion"),
    ("can_get", "IntervenantApi"),
    ("can_info", "IntervenantApi"),
    ("can_telecharger", "FichierView"),
]

# FAB's security screens (users, roles...): national administration only.
_SECURITE = [
    (perm, view)
    for view, perms in {
        "UtilisateurView": ["can_list", "can_show", "can_add", "can_edit", "can_delete"],
        "RoleView": ["can_list", "can_show", "can_add", "can_edit", "can_delete", "copyrole"],
        "ResetPasswordView": ["can_this_form_get", "can_this_form_post"],
        "UserInfoEditView": ["can_this_form_get", "can_this_form_post"],
        "UserStatsChartView": ["can_chart"],
        "PermissionView": ["can_list"],
        "ViewMenuView": ["can_list"],
        "PermissionViewView": ["can_list"],
        "GroupeView": ["can_list", "can_show", "can_add", "can_edit", "can_delete"],
    }.items()
    for perm in perms
] + [
    ("menu_access", "Security"),
    ("menu_access", "List Users"),
    ("menu_access", "List Roles"),
    ("menu_access", "List Groups"),
    ("menu_access", "User's Statistics"),
    ("menu_access", "Base Permissions"),
    ("menu_access", "Views/Menus"),
    ("menu_access", "Permission on Views/Menus"),
]

_ADMIN_NATIONAL = _GESTIONNAIRE + _SECURITE + [
    PERM_BACKOFFICE,
    ("menu_access", "Administration nationale"),
    ("menu_access", "Console d'administration"),
]

ROLES: dict[str, list[tuple[str, str]]] = {
    PUBLIC: [],
    INTERVENANT: _INTERVENANT,
    GESTIONNAIRE: _GESTIONNAIRE,
    ADMIN_NATIONAL: _ADMIN_NATIONAL,
}

#: Roles the application manages (FAB's Admin is all-powerful by construction).
MANAGED_ROLES = tuple(ROLES)
