"""National administration a non-developer can run (issue 27): rights in
French, menus that follow them, pages that show only what a role may use,
users with structure, lock and invitation, no framework password screen."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import base
from app.models.authentification import EtatCompte
from app.models.comptes import Gestionnaire
from app.models.outbox import OutboxMessage
from app.security import libelles
from app.security.roles import ROLES
from tests.conftest import csrf_token_from, page_text, sign_in


def _cle(titre_ecran: str, droit: str) -> str:
    for cle, ecran, d in libelles.droits():
        if ecran.titre == titre_ecran and d.libelle == droit:
            return cle
    raise KeyError((titre_ecran, droit))


def _paires(role) -> set[tuple[str, str]]:
    return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}


# -- rights in French ----------------------------------------------------------
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_declared_right_has_its_french_label(app, role):
    sans_libelle = {p for p in ROLES[role] if p[0] != libelles.MENU} - libelles.paires_cataloguees()
    assert not sans_libelle


def test_every_catalogued_right_exists(app):
    sm = app.appbuilder.sm
    absentes = [p for p in libelles.paires_cataloguees() if sm.find_permission_view_menu(*p) is None]
    assert not absentes


@pytest.mark.parametrize("role", sorted(ROLES))
def test_declared_menus_are_those_of_the_screens(app, role):
    """The code's roles follow the same rule as the roles screen."""
    declares = set(ROLES[role])
    menus = {p for p in declares if p[0] == libelles.MENU}
    assert libelles.menus_pour(app, declares) == menus


def test_roles_screen_speaks_french_grouped_by_screen(login_as):
    client = login_as("admin_national")
    html = page_text(client.get("/roles/add"))
    for texte in ("CV-thèque", "exporter", "Demandes d'inscription", "décider", "Droits"):
        assert texte in html
    assert "Select Value" not in html
    assert "can_" not in html and "menu_access" not in html
    assert "<legend>CV-thèque</legend>" in client.get("/roles/add").get_data(as_text=True)


def _creer_role(client, nom: str, *cles: str):
    page = client.get("/roles/add").get_data(as_text=True)
    return client.post("/roles/add", data={"name": nom, "permissions": list(cles),
                                           "csrf_token": csrf_token_from(page)})


def test_a_role_built_from_french_rights_gives_exactly_its_screens_and_menus(app, login_as, factory):
    admin = login_as("admin_national")
    reponse = _creer_role(admin, "Lecteur CV-thèque", _cle("CV-thèque", "consulter"))
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith("/roles/list/")
    assert "Enregistrement ajouté." in page_text(admin.get(reponse.headers["Location"]))
    role = app.appbuilder.sm.find_role("Lecteur CV-thèque")
    assert _paires(role) == {
        ("can_recherche", "CvthequeView"),
        ("menu_access", "CV-thèque"),
        ("menu_access", "Gestion"),
    }
    # A user of that role: the screen and its menu entry, nothing else.
    user = factory.create_user("Lecteur CV-thèque")
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/cvtheque/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/cvtheque/"' in html
    assert "Exporter la liste (XLSX)" not in html
    assert "/cvtheque/profil/" not in html
    assert client.get("/cvtheque/export.xlsx").status_code in (302, 403)
    assert "Demandes d'inscription" not in html


def test_editing_a_role_keeps_menus_in_step(app, login_as):
    admin = login_as("admin_national")
    _creer_role(admin, "Rôle modifié", _cle("CV-thèque", "consulter"))
    role = app.appbuilder.sm.find_role("Rôle modifié")
    page = admin.get(f"/roles/edit/{role.id}").get_data(as_text=True)
    assert re.search(r'value="' + _cle("CV-thèque", "consulter") + r'" checked', page)
    reponse = admin.post(f"/roles/edit/{role.id}", data={
        "name": "Rôle modifié", "permissions": [_cle("Demandes d'inscription", "consulter")],
        "csrf_token": csrf_token_from(page)})
    assert reponse.headers["Location"].endswith("/roles/list/")
    db.session.refresh(role)
    assert _paires(role) == {
        ("can_list", "DemandeInscriptionView"), ("can_show", "DemandeInscriptionView"),
        ("menu_access", "Demandes d'inscription"), ("menu_access", "Gestion"),
    }


# -- no rendered link leads to 403 (crawl per role) ------------------------------
# FAB's page links (``page_…=``) ask the session's bind for its dialect name,
# which the tests' connection-bound session has not: the first page is enough.
_NE_PAS_SUIVRE = ("page_", "psize_", "/logout", "/static/", "/backoffice/static", "/lang/", "/appbuilder/", "delete", "export",
                  "/action", "/captcha/")


def _liens(html: str) -> set[str]:
    liens = set()
    for href in re.findall(r'href="([^"#]+)"', html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/"):
            continue
        if any(m in href for m in _NE_PAS_SUIVRE):
            continue
        liens.add(href)
    return liens


def _crawl(client, debut="/", limite=70) -> dict[str, int]:
    vus: dict[str, int] = {}
    a_voir = [debut]
    while a_voir and len(vus) < limite:
        url = a_voir.pop(0)
        if url in vus:
            continue
        reponse = client.get(url)
        vus[url] = reponse.status_code
        if reponse.status_code == 200 and reponse.mimetype == "text/html":
            a_voir.extend(sorted(_liens(reponse.get_data(as_text=True)) - set(vus)))
    return vus


@pytest.mark.parametrize("role", ["intervenant", "gestionnaire", "admin_national", "lecteur"])
def test_no_rendered_link_leads_to_403(app, login_as, factory, role):
    if role == "lecteur":
        admin = login_as("admin_national")
        _creer_role(admin, "Lecteur", _cle("CV-thèque", "consulter"), _cle("Demandes d'inscription", "consulter"))
        client = app.test_client()
        sign_in(client, factory.create_user("Lecteur"))
        _, profil = factory.intervenant("DR-84", complet=True)
    else:
        client = login_as(role)
    vus = _crawl(client)
    assert len(vus) > 5
    interdits = sorted(url for url, statut in vus.items() if statut == 403)
    assert not interdits, interdits


# -- users -----------------------------------------------------------------------
def _formulaire_utilisateur(client, url, **champs):
    page = client.get(url).get_data(as_text=True)
    data = {"first_name": "Jeanne", "last_name": "Dupuis", "email": "jeanne.dupuis@example.test",
            "csrf_token": csrf_token_from(page)}
    data.update(champs)
    return page, client.post(url, data=data)


def test_users_screen_never_asks_for_a_password(login_as):
    html = login_as("admin_national").get("/users/add").get_data(as_text=True)
    assert 'type="password"' not in html
    assert "Structure" in html


def test_a_gestionnaire_needs_a_structure(app, login_as, factory):
    client = login_as("admin_national")
    role = app.appbuilder.sm.find_role("Gestionnaire")
    _, reponse = _formulaire_utilisateur(client, "/users/add", roles=[str(role.id)])
    assert reponse.status_code == 200
    assert "Choisissez la structure du gestionnaire." in page_text(reponse)
    assert "jeanne.dupuis@example.test" in reponse.get_data(as_text=True)  # nothing lost
    assert app.appbuilder.sm.find_user(email="jeanne.dupuis@example.test") is None


def test_creating_a_user_sends_the_invitation(app, login_as, factory):
    client = login_as("admin_national")
    role = app.appbuilder.sm.find_role("Gestionnaire")
    structure = factory.structure("DR-11")
    _, reponse = _formulaire_utilisateur(client, "/users/add", roles=[str(role.id)], structure=str(structure.id))
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith("/users/list/")
    user = app.appbuilder.sm.find_user(email="jeanne.dupuis@example.test")
    assert user.username == "jeanne.dupuis@example.test"
    assert db.session.scalar(select(Gestionnaire.structure_id).where(Gestionnaire.user_id == user.id)) == structure.id
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients.contains("jeanne.dupuis")))
    assert message is not None and message.template == "compte_personnalisation"
    assert db.session.get(EtatCompte, user.id).etat == "a_personnaliser"
    liste = page_text(client.get("/users/list/"))
    assert "invitation" in liste and "Identifiants à personnaliser" in liste


def test_editing_a_gestionnaire_changes_their_structure(app, login_as, factory):
    client = login_as("admin_national")
    gestionnaire = factory.gestionnaire("DR-84")
    role = app.appbuilder.sm.find_role("Gestionnaire")
    autre = factory.structure("DR-11")
    page = client.get(f"/users/edit/{gestionnaire.id}").get_data(as_text=True)
    select_structure = re.search(r'<select[^>]*name="structure".*?</select>', page, re.S).group(0)
    assert f'<option selected value="{factory.structure("DR-84").id}">' in select_structure
    _, reponse = _formulaire_utilisateur(client, f"/users/edit/{gestionnaire.id}", email=gestionnaire.email,
                                         roles=[str(role.id)], structure=str(autre.id))
    assert reponse.headers["Location"].endswith("/users/list/")
    assert db.session.scalar(select(Gestionnaire.structure_id).where(Gestionnaire.user_id == gestionnaire.id)) == autre.id


def test_a_locked_account_shows_its_lock_and_is_unlocked(app, login_as, factory):
    client = login_as("admin_national")
    user, _ = factory.intervenant()
    db.session.add(EtatCompte(user_id=user.id, etat="actif", echecs_consecutifs=5,
                              verrouille_jusqua=base.utcnow() + timedelta(minutes=10)))
    db.session.commit()
    fiche = page_text(client.get(f"/users/show/{user.id}"))
    assert "Verrouillé jusqu'à" in fiche and "Déverrouiller" in fiche
    page = client.get("/users/list/").get_data(as_text=True)
    reponse = client.post("/users/action_post", data={"action": "deverrouiller", "rowid": [str(user.id)],
                                                      "csrf_token": csrf_token_from(page)})
    assert reponse.status_code == 302
    etat = db.session.get(EtatCompte, user.id)
    db.session.refresh(etat)
    assert etat.verrouille_jusqua is None and etat.echecs_consecutifs == 0
    assert "Verrouillé jusqu'à" not in page_text(client.get(f"/users/show/{user.id}"))


def test_framework_password_screen_is_gone(app, login_as, factory):
    client = login_as("admin_national")
    user, _ = factory.intervenant()
    assert client.get(f"/resetpassword/form?pk={user.id}").status_code == 404
    assert client.post(f"/resetpassword/form?pk={user.id}", data={"password": "a", "conf_password": "a"}).status_code == 404
    assert "Reset Password" not in page_text(client.get(f"/users/show/{user.id}"))
    assert not any(r.endpoint.startswith("ResetPasswordView") for r in current_app.url_map.iter_rules())


# -- no external resource ----------------------------------------------------------
@pytest.mark.parametrize("html", [
    '<script src="https://www.gstatic.com/charts/loader.js"></script>',
    "<link rel='stylesheet' href='//fonts.googleapis.com/css?family=Marianne'>",
    '<img alt="" src="http://exemple.fr/logo.png">',
    "<style>@font-face { src: url(https://fonts.gstatic.com/x.woff2) }</style>",
])
def test_an_external_resource_is_detected(html):
    from tests.outils.ressources_externes import externes

    assert externes(html)


def test_a_link_to_another_site_is_not_a_resource():
    from tests.outils.ressources_externes import externes

    assert not externes('<a href="https://www.cnfpt.fr/">CNFPT</a><script src="/static/js/x.js"></script>')


def test_the_statistics_page_with_its_external_chart_is_gone(app, login_as):
    assert not any(r.endpoint.startswith("UserStatsChartView") for r in app.url_map.iter_rules())
    assert "User's Statistics" not in login_as("admin_national").get("/users/list/").get_data(as_text=True)


# -- one administration ------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/backoffice/", "/backoffice/bo_outbox/", "/backoffice/bo_audit_decisions/",
                                 "/backoffice/bo_specialite/"])
def test_console_in_the_portals_language_and_landmarks(login_as, url):
    html = login_as("admin_national").get(url).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert '<main id="contenu"' in html and "<header>" in html
    assert len(re.findall(r"<h1\b", html)) == 1
    assert '<form method="post" action="/logout/" class="form-deconnexion">' in html and "Se déconnecter" in html
    assert 'href="/users/list/"' in html and 'href="/roles/list/"' in html
    assert "/static/css/console.css" in html
    for anglais in ("E-mails (outbox)", "(UTC)", "Toggle navigation"):
        assert anglais not in html


def test_security_screens_link_to_the_console_in_french(login_as):
    html = login_as("admin_national").get("/roles/list/").get_data(as_text=True)
    assert 'href="/backoffice/"' in html
    for anglais in ("List Groups", "List Users", "menu access on", "Select Value", ">Add<", "Record Count"):
        assert anglais not in html, anglais
    for francais in ("Sécurité", "Utilisateurs", "Groupes"):
        assert francais in html


def test_console_times_are_paris_time(app, login_as):
    from datetime import datetime

    from app.models.outbox import OutboxMessage, OutboxStatus

    db.session.add(OutboxMessage(recipients="x@example.test", subject="Essai", template="t", body_text="t",
                                 body_html="<p>t</p>", status=OutboxStatus.failed, attempts=1, message_id="<essai-27@x>",
                                 created_at=datetime(2026, 1, 15, 9, 30)))
    db.session.commit()
    html = page_text(login_as("admin_national").get("/backoffice/bo_outbox/"))
    assert "15/01/2026 10:30" in html  # UTC+1 in winter
