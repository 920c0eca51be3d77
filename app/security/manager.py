"""The project's FAB security manager.

FAB checks each permission with its own query (one per menu entry and row
button: see shared/design/PERFORMANCE.md). Here every ``has_access`` answers
from the user's permission set, and the sets are kept per process by role
ids. Roles stay data, editable by admins: each request first reads a small
"token" of the permission tables (row counts and highest ids of the role ↔
permission links and of the permissions), and a set cached under another
token is read again. A change that keeps those numbers (renaming a view or a
permission in place, which the application never does: names come from code)
is seen after ``CACHE_PERMISSIONS_SECONDES`` at most. The user, their roles
and groups are loaded in one query, which also reads the token and the
gestionnaire's structure.
"""

from __future__ import annotations

import functools
import time

from flask import current_app, g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import preparee
from app.infra import caches
from app.infra.caches import vider_apres_commit
from app.models.authentification import SessionUtilisateur
from app.security import auth, sessions
from app.security import views as security_views
from app.security.scope import intervenant_du_user, noter_intervenant, noter_structure, structure_du_gestionnaire


def _colonnes_jeton() -> tuple:
    """Counts and highest ids of the role ↔ permission links and of the
    permissions, and the public role's id (bound as ``public``)."""
    lien = assoc_permissionview_role
    return (
        select(func.count()).select_from(lien).scalar_subquery(),
        select(func.max(lien.c.id)).scalar_subquery(),
        select(func.count()).select_from(PermissionView).scalar_subquery(),
        select(func.max(PermissionView.id)).scalar_subquery(),
        select(Role.id).where(Role.name == bindparam("public")).scalar_subquery(),
    )


_JETON = select(*_colonnes_jeton())
#: role ids → (token, expiry, permission set), for this process.
_permissions_par_roles: dict[tuple[int, ...], tuple[tuple, float, frozenset[tuple[str, str]]]] = {}


def vider_cache_permissions() -> None:
    _permissions_par_roles.clear()


def _securite(obj) -> bool:
    return isinstance(obj, (Role, PermissionView, Permission, ViewMenu))


def init_session_events(session) -> None:
    """Changes made by this process drop its cache at once (others: by the
    token); a role is changed through its collections too (its permissions)."""
    vider_apres_commit(session, "permissions", _securite, vider_cache_permissions,
                       modifie=lambda session_, obj: True, au_rollback=True)


def _id_entier(pk) -> int | None:
    """A user id from a session, a token or a URL: an integer, or None (nobody)."""
    try:
        return int(pk)
    except (TypeError, ValueError):
        return None


def _session_ouverte(user_model):
    """Whether the session named by the cookie (``sid``: its hashed token) is
    an open one of this user (app.security.sessions)."""
    return (
        select(SessionUtilisateur.id)
        .where(
            SessionUtilisateur.jeton_hash == bindparam("sid"),
            SessionUtilisateur.user_id == user_model.id,
            SessionUtilisateur.revoquee_le.is_(None),
        )
        .scalar_subquery()
    )


@functools.cache
def _requete_utilisateur(user_model, jointure: bool, avec_jeton: bool):
    """The signed-in user's statement, built once per process (about 600
    Python calls to build at every request): the user, the gestionnaire's
    structure, whether the cookie's session is still open, the intervenant's
    id and état (the menu and the intervenant's pages need no more: no
    statement of their own, issue 36), the permission token when asked,
    roles and groups joined (``jointure``) or in two more indexed queries."""
    charger = joinedload if jointure else selectinload
    return preparee(
        select(
            user_model,
            structure_du_gestionnaire(user_model.id),
            _session_ouverte(user_model),
            *intervenant_du_user(user_model.id),
            *(_colonnes_jeton() if avec_jeton else ()),
        )
        .where(user_model.id == bindparam("pk"))
        .options(charger(user_model.roles), charger(user_model.groups))
    )


class EspaceSecurityManager(SecurityManager):
    userdbmodelview = security_views.UtilisateurView
    rolemodelview = security_views.RoleView
    groupmodelview = security_views.GroupeView
    permissionmodelview = security_views.PermissionView
    viewmenumodelview = security_views.ViewMenuView
    permissionviewmodelview = security_views.PermissionViewView
    authdbview = auth.AuthDBView
    # The framework's « reset a user's password » screen is not served and its
    # « User's Statistics » page (a chart script from an external host) is gone.
    resetpasswordview = security_views.ResetPasswordSansRoute
    userstatschartview = None
    resetmypasswordview = auth.ResetMyPasswordView
    userinfoeditview = security_views.UserInfoEditView
    security_api = auth.SecurityApi

    @property
    def is_auth_limited(self) -> bool:
        """FAB's own limit on the login blueprint counted each form attempt a
        second time beside the project's: the project's only (below)."""
        return False

    def register_views(self):
        super().register_views()
        if current_app.config.get("AUTH_RATE_LIMITED"):
            api = next(v for v in self.appbuilder.baseviews if isinstance(v, auth.SecurityApi))
            auth.limiter_connexions(self.limiter, self.auth_view.blueprint, api.blueprint)

    def auth_user_db(self, username, password):
        # Lockout, account-state checks and the attempts log (app.security.auth).
        return auth.auth_user_db(username, password)

    def _role_names_and_ids(self, user) -> tuple[frozenset[str], tuple[int, ...]]:
        if user is None and has_request_context():
            # FAB looks the public role up by name at every check (one query per
            # menu entry on an anonymous page): its id comes with the token.
            public_id = self._jeton()[-1]
            name = current_app.config["AUTH_ROLE_PUBLIC"]
            return (frozenset({name}), (public_id,)) if public_id is not None else (frozenset(), ())
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

    def _jeton(self) -> tuple:
        """Counts and highest ids of the permission tables, and the public
        role's id: one statement, read once per request (with the user when
        someone is signed in: ``get_user_by_id``)."""
        if "_espace_jeton" not in g:
            row = self.session.connection().execute(_JETON, {"public": current_app.config["AUTH_ROLE_PUBLIC"]})
            g._espace_jeton = tuple(row.one())
        return g._espace_jeton

    def _permissions_partagees(self, ids: tuple[int, ...]) -> frozenset[tuple[str, str]]:
        jeton, now = self._jeton(), time.monotonic()
        entree = _permissions_par_roles.get(ids)
        if entree is not None and entree[0] == jeton and entree[1] > now:
            return entree[2]
        perms = self._load_permissions(ids)
        ttl = current_app.config.get("CACHE_PERMISSIONS_SECONDES", 300)
        if ttl > 0:
            _permissions_par_roles[ids] = (jeton, now + ttl, perms)
        return perms

    def permissions_of(self, user) -> frozenset[tuple[str, str]]:
        """All (permission, view) pairs of ``user`` (None: the public role)."""
        names, ids = self._role_names_and_ids(user)
        if not has_request_context():
            return self._load_permissions(ids)
        cache = g.setdefault("_espace_perms", {})
        if ids not in cache:
            cache[ids] = self._permissions_partagees(ids)
        return cache[ids]

    def load_user(self, pk):
        """The user of the session cookie: an integer id (FAB's ``int(pk)``
        raised, an error page, for anything else; that is nobody), an active
        account, and a session still open, neither idle nor too old
        (app.security.sessions)."""
        pk = _id_entier(pk)
        user = None if pk is None else super().load_user(pk)
        if user is None or not has_request_context():
            return user
        ouverte = g.get("_espace_sessions", {}).get(pk, False)
        return user if sessions.session_valide(user, ouverte) else None

    def load_user_jwt(self, _jwt_header, jwt_data):
        """A bearer token (API, access or refresh): an active account and the
        token's session still open and within its lifetime
        (app.security.sessions), read with the user in its one statement."""
        pk = _id_entier(jwt_data.get("sub"))
        jeton = sessions.jeton_api_en_cours(jwt_data)
        if pk is None or jeton is None:
            return None
        g._ei_jeton_api = jeton
        try:
            user = self.get_user_by_id(pk)
        finally:
            g.pop("_ei_jeton_api", None)
        if user is not None and user.is_active and g.get("_espace_sessions", {}).get(pk):
            g.user = user
            return user
        return None

    def reset_password(self, userid, password):
        """FAB's admin password screen: the account's sessions end too."""
        super().reset_password(userid, password)
        sessions.invalider_sessions(userid)
        self.session.commit()

    def get_user_by_id(self, pk):
        """The signed-in user with roles and groups in one query on PostgreSQL
        (FAB: three). SQLite cannot use the link table's index inside the
        nested join SQLAlchemy writes for it (34 ms at 100,000 accounts): there
        they come in two more indexed queries.

        Loading the user is the first statement of a signed-in request: it also
        brings the request's permission token, the gestionnaire's structure and
        the intervenant's id and état, which would otherwise be three more
        round trips on every page."""
        pk = _id_entier(pk)
        if pk is None:
            return None
        requete = has_request_context() and "_espace_jeton" not in g
        stmt = _requete_utilisateur(self.user_model, self.session.get_bind().dialect.name == "postgresql", requete)
        params = {"pk": pk, "sid": sessions.hash_du_jeton()}
        if requete:
            params["public"] = current_app.config["AUTH_ROLE_PUBLIC"]
        row = self.session.execute(stmt, params).unique().first()
        if row is None:
            return None
        if has_request_context():
            g.setdefault("_espace_sessions", {})[pk] = row[2] is not None
            noter_intervenant(pk, row[3], row[4])
        if requete:
            g._espace_jeton = tuple(row[5:])
            noter_structure(pk, row[1])
        return row[0]

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


caches.declarer("securite.permissions", cle="identifiants des rôles", duree="CACHE_PERMISSIONS_SECONDES",
                vide_par="un commit qui touche rôles ou permissions ; ailleurs, le jeton des tables de permissions",
                vider=vider_cache_permissions)
caches.declarer_requete("securite.requete_utilisateur", _requete_utilisateur, cle="modèle, jointure, jeton")
