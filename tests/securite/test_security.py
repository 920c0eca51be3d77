"""Roles as code, row-level rules, CSRF and the per-request permission cache."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select

from app.extensions import db
from app.security import roles as roles_module
from app.security.sync import RoleDeclarationError, sync_roles
from tests.conftest import PASSWORD, login, page_text, sign_in
from tests.outils.annonces import count_queries


def _role_permissions(name):
    role = db.session.scalar(select(Role).where(Role.name == name))
    return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}


def test_sync_is_idempotent_and_exact(app):
    before = {name: _role_permissions(name) for name in roles_module.ROLES}
    counts = sync_roles()
    after = {name: _role_permissions(name) for name in roles_module.ROLES}
    assert before == after
    for name, declared in roles_module.ROLES.items():
        assert after[name] == set(declared)
        assert counts[name] == len(set(declared))


def test_an_admin_change_to_a_built_in_role_survives_preparer(app, monkeypatch):
    """What a national admin grants or revokes in the roles screen is kept;
    what the code adds or drops since the last synchronisation is applied."""
    sm = app.appbuilder.sm
    role = sm.find_role(roles_module.GESTIONNAIRE)
    role.permissions.append(sm.find_permission_view_menu("can_list", "UtilisateurView"))  # granted by an admin
    role.permissions.remove(sm.find_permission_view_menu("can_export", "CvthequeView"))  # revoked by an admin
    db.session.commit()
    sync_roles()
    gestionnaire = _role_permissions(roles_module.GESTIONNAIRE)
    assert ("can_list", "UtilisateurView") in gestionnaire
    assert ("can_export", "CvthequeView") not in gestionnaire

    # The code then grants a new permission and drops an old one: both applied, the admin's changes still kept.
    declared = [p for p in roles_module.ROLES[roles_module.GESTIONNAIRE] if p != ("can_profil", "CvthequeView")]
    monkeypatch.setitem(roles_module.ROLES, roles_module.GESTIONNAIRE, [*declared, ("can_show", "UtilisateurView")])
    sync_roles()
    gestionnaire = _role_permissions(roles_module.GESTIONNAIRE)
    assert ("can_show", "UtilisateurView") in gestionnaire
    assert ("can_profil", "CvthequeView") not in gestionnaire
    assert ("can_list", "UtilisateurView") in gestionnaire and ("can_export", "CvthequeView") not in gestionnaire
    assert sync_roles() and _role_permissions(roles_module.GESTIONNAIRE) == gestionnaire  # idempotent


def test_a_custom_role_is_kept_and_gives_exactly_its_access(app, factory):
    """A role of the admins' own (the CV-thèque, read only) survives preparer
    and its holder reaches exactly its pages."""
    sm = app.appbuilder.sm
    role = sm.add_role("Lecteur CV-thèque")
    for pair in [("can_recherche", "CvthequeView"), ("can_profil", "CvthequeView"), ("menu_access", "CV-thèque"),
                 ("menu_access", "Gestion")]:
        role.permissions.append(sm.find_permission_view_menu(*pair))
    db.session.commit()
    sync_roles()
    assert _role_permissions("Lecteur CV-thèque") == {
        ("can_recherche", "CvthequeView"), ("can_profil", "CvthequeView"), ("menu_access", "CV-thèque"),
        ("menu_access", "Gestion")}
    lecteur = factory.create_user("Lecteur CV-thèque")
    client = app.test_client()
    sign_in(client, lecteur)
    assert client.get("/cvtheque/").status_code == 200
    for url in ("/cvtheque/export.xlsx", "/gestion/demandes-inscription/list/", "/gestion/annonces/list/", "/users/list/"):
        assert client.get(url).status_code in (302, 403), url


def test_sync_refuses_a_permission_no_view_provides(app, monkeypatch):
    monkeypatch.setitem(roles_module.ROLES, roles_module.INTERVENANT, [("can_list", "VueInexistante")])
    with pytest.raises(RoleDeclarationError, match="VueInexistante"):
        sync_roles()


def test_no_permission_sprawl(app):
    """Each FAB view has exactly the permissions of the routes it exposes."""
    sm = app.appbuilder.sm
    declared_views = {view for perms in roles_module.ROLES.values() for _, view in perms}
    for view_name in ("DemandeInscriptionView", "PermissionView", "ViewMenuView"):
        assert view_name in declared_views
    permissions = {
        pv.permission.name for pv in sm.find_permissions_view_menu(sm.find_view_menu("DemandeInscriptionView"))
    }
    assert permissions == {"can_list", "can_show"}


def _transmise(factory, structure):
    """A request transmitted to ``structure`` (a draft is seen by no staff)."""
    from tests.outils.comptes import transmise

    return transmise(factory, structure)


def test_gestionnaire_lists_only_own_structure(app, factory, login_as):
    _, mine = _transmise(factory, "DR-84")
    _, other = _transmise(factory, "DR-11")
    client = login_as("gestionnaire", "DR-84")
    html = page_text(client.get("/gestion/demandes-inscription/list/"))
    assert mine.nom_usage in html or f"/show/{mine.id}" in html
    assert f"/show/{other.id}\"" not in html
    assert client.get(f"/gestion/demandes-inscription/show/{other.id}").status_code == 404
    api = client.get("/api/v1/intervenants/").get_json()
    ids = {row["id"] for row in api["result"]}
    assert mine.id in ids and other.id not in ids
    assert client.get(f"/api/v1/intervenants/{other.id}").status_code == 404


def test_national_admin_sees_every_structure(app, factory, login_as):
    _, a = _transmise(factory, "DR-84")
    _, b = _transmise(factory, "DR-11")
    client = login_as("admin_national")
    ids = {row["id"] for row in client.get("/api/v1/intervenants/?q=(page_size:100)").get_json()["result"]}
    assert {a.id, b.id} <= ids


def test_user_without_structure_link_sees_nothing(app, factory, login_as):
    """A Gestionnaire role without a structure link fails closed."""
    _transmise(factory, "DR-84")
    user = factory.create_user(roles_module.GESTIONNAIRE)
    client = app.test_client()
    from tests.conftest import sign_in

    sign_in(client, user)
    assert client.get("/api/v1/intervenants/").get_json()["count"] == 0


def test_login_form_requires_csrf_token(app, factory, client):
    user = factory.gestionnaire()
    response = client.post("/login/", data={"username": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_login_with_e_mail_identifier(app, factory, client):
    user = factory.gestionnaire()
    login(client, user.email)
    assert client.get("/gestion/demandes-inscription/list/").status_code == 200


def _permission_statements(client, url="/gestion/demandes-inscription/list/") -> list[str]:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return [s for s in statements if "ab_permission_view" in s]


def test_permissions_loaded_once_then_kept_per_process(app, factory, login_as):
    """The menu and the view check many permissions: the first request reads
    the token and the set, the next ones the token only."""
    client = login_as("admin_national")
    assert len(_permission_statements(client)) == 2
    assert len(_permission_statements(client)) == 1


def test_permission_removed_elsewhere_is_seen_at_the_next_request(app, factory, login_as):
    """A change made by another process (here: plain SQL, no ORM event in this
    process) changes the token, so the cached set is not used."""
    from flask_appbuilder.security.sqla.models import PermissionView, ViewMenu, assoc_permissionview_role

    client = login_as("gestionnaire")
    assert client.get("/gestion/demandes-inscription/list/").status_code == 200
    pv_ids = db.session.scalars(
        sa.select(PermissionView.id).join(ViewMenu).where(ViewMenu.name == "DemandeInscriptionView")
    ).all()
    db.session.execute(sa.delete(assoc_permissionview_role).where(assoc_permissionview_role.c.permission_view_id.in_(pv_ids)))
    db.session.commit()
    assert client.get("/gestion/demandes-inscription/list/").status_code in (302, 403)


def _menus_rendus(client, url: str) -> tuple[str, int]:
    """The page's text and how many times the menu's template was rendered."""
    from flask import template_rendered

    rendus = []

    def noter(sender, template, context, **extra):
        rendus.append(template.name)

    with template_rendered.connected_to(noter):
        text = page_text(client.get(url))
    return text, rendus.count("_menu_principal.html")


def test_menu_rendered_once_per_permissions_then_follows_a_removed_permission(app, login_as):
    """The menu's HTML is kept per set of permissions (app.views.menu): the
    second page does not render it again; a menu permission removed by another
    process (plain SQL) removes the entry at the next request."""
    from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu, assoc_permissionview_role

    from app.views import menu

    menu.vider()
    client = login_as("gestionnaire")
    text, rendus = _menus_rendus(client, "/cvtheque/")
    assert "Demandes d'inscription" in text and rendus == 1
    text, rendus = _menus_rendus(client, "/gestion/demandes-inscription/list/")
    assert "Demandes d'inscription" in text and rendus == 0
    pv_ids = db.session.scalars(
        sa.select(PermissionView.id).join(ViewMenu).join(Permission)
        .where(ViewMenu.name == "Demandes d'inscription", Permission.name == "menu_access")
    ).all()
    assert pv_ids
    db.session.execute(sa.delete(assoc_permissionview_role).where(assoc_permissionview_role.c.permission_view_id.in_(pv_ids)))
    db.session.commit()
    text, rendus = _menus_rendus(client, "/cvtheque/")
    assert "Demandes d'inscription" not in text and rendus == 1


def test_staff_pages_do_not_look_for_an_intervenant_profile(app, login_as):
    """The menu asks whether the inscription is validated: for staff (no
    Intervenant role) that needs no query; an intervenant's profile is read
    once per request. The signed-in user's own statement carries the
    intervenant's id and état (issue 36): it is not a profile lookup."""
    def profils(statements):
        return [s for s in statements if "intervenant.user_id =" in s and not s.startswith("SELECT ab_user.")]

    gestionnaire = login_as("gestionnaire")
    gestionnaire.get("/cvtheque/")
    with count_queries() as statements:
        assert gestionnaire.get("/cvtheque/").status_code == 200
    assert not profils(statements)
    intervenant = login_as("intervenant")
    intervenant.get("/profil/identification")
    with count_queries() as statements:
        assert intervenant.get("/profil/identification").status_code == 200
    assert len(profils(statements)) == 1


def test_role_edited_in_this_process_drops_the_cache(app, factory, login_as):
    from flask_appbuilder.security.sqla.models import Role

    from app.security.manager import _permissions_par_roles
    from app.security.roles import GESTIONNAIRE

    client = login_as("gestionnaire")
    assert client.get("/gestion/demandes-inscription/list/").status_code == 200
    assert _permissions_par_roles
    role = db.session.scalar(sa.select(Role).where(Role.name == GESTIONNAIRE))
    role.permissions = [p for p in role.permissions if p.view_menu.name != "DemandeInscriptionView"]
    db.session.commit()
    assert not _permissions_par_roles
    assert client.get("/gestion/demandes-inscription/list/").status_code in (302, 403)


def test_menu_depends_on_role(app, login_as):
    intervenant = page_text(login_as("intervenant").get("/"))
    gestionnaire = page_text(login_as("gestionnaire").get("/"))
    national = page_text(login_as("admin_national").get("/"))
    assert "Mon profil" in intervenant and "Demandes d'inscription" not in intervenant
    assert "Demandes d'inscription" in gestionnaire and "Console d'administration" not in gestionnaire
    assert "Console d'administration" in national and "Demandes d'inscription" in national


def test_management_software_sets_the_immatriculation_of_its_structure_only(app, factory, login_as):
    _, mine = _transmise(factory, "DR-84")
    _, other = _transmise(factory, "DR-11")
    client = login_as("gestionnaire", "DR-84")
    response = client.put(f"/api/v1/intervenants/{mine.id}", json={"immatriculation": "GF-0000042"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get(f"/api/v1/intervenants/{mine.id}").get_json()["result"]["immatriculation"] == "GF-0000042"
    assert client.put(f"/api/v1/intervenants/{other.id}", json={"immatriculation": "GF-0000043"}).status_code == 404
    # Only the immatriculation is writable: other fields are refused.
    response = client.put(f"/api/v1/intervenants/{mine.id}", json={"nom_usage": "Pirate"})
    assert response.status_code == 422  # FAB: unknown field for this schema
    db.session.refresh(mine)
    assert mine.nom_usage != "Pirate"


def test_signed_in_user_comes_with_roles_and_groups(app, factory):
    """Roles and groups are loaded with the user (no lazy load afterwards); on
    SQLite without the nested join it cannot index (34 ms at 100,000 accounts)."""
    user_id = factory.gestionnaire().id
    db.session.expunge_all()
    with count_queries() as statements:
        loaded = app.appbuilder.sm.get_user_by_id(user_id)
        loaded_statements = len(statements)
        assert [r.name for r in loaded.roles] and loaded.groups == []
        assert len(statements) == loaded_statements
    if db.engine.dialect.name == "sqlite":
        assert not any("JOIN (" in s for s in statements), statements
    else:
        assert loaded_statements == 1


def test_user_token_and_structure_come_in_the_first_statement(app, factory, login_as):
    """A signed-in page reads the user, the permission token and the
    gestionnaire's structure in one round trip (they were three)."""
    client = login_as("gestionnaire", "DR-84")
    client.get("/gestion/demandes-inscription/list/")  # permission set cached
    db.session.expunge_all()
    with count_queries() as statements:
        assert client.get("/gestion/demandes-inscription/list/").status_code == 200
    premiere = statements[0]
    assert "FROM ab_user" in premiere and "ab_permission_view_role" in premiere and "gestionnaire.structure_id" in premiere
    assert not any(s.lstrip().startswith("SELECT gestionnaire.structure_id") for s in statements)
    assert sum("ab_permission_view_role" in s for s in statements) == 1


def test_login_without_next_logs_no_invalid_redirect(app, factory, client, caplog):
    user = factory.gestionnaire()
    with caplog.at_level("WARNING"):
        response = login(client, user.email)
    assert response.headers["Location"].endswith("/")
    assert "Invalid redirect" not in caplog.text


@pytest.mark.parametrize("session_id", ["abc", "", "12.5"])
def test_session_naming_no_integer_user_is_anonymous(app, session_id):
    """The user's statement is built once with an integer parameter: a
    session holding anything else is nobody (sent to the login page), not
    an error."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    response = client.get("/gestion/demandes-inscription/list/")
    assert response.status_code == 302 and "/login" in response.location
