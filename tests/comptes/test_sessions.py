"""Sessions that end (issue 19, point 1): a copied cookie (a second client)
no longer opens a page after logout, a password reset or change, an e-mail
change, an archiving or « Se déconnecter de tous mes appareils »; a session
expires after idle time (staff 30 min, intervenants 2 h) and 12 h at most."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.inscription import archiver_complements
from app.models.authentification import SessionUtilisateur
from app.security import sessions
from tests.conftest import PASSWORD, csrf_token_from, deconnecter, login, page_text
from tests.outils.comptes import _captcha_solvable, complement_demande, forgot, last_mail, link_in, reset, travel  # noqa: F401

PAGE = "/compte/mot-de-passe"


def copie(app, client):
    """A second client holding the same session cookie (a stolen or
    forgotten copy of it)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def ouvre(client, url=PAGE) -> bool:
    response = client.get(url)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.location, (response.status_code, response.location)
    return False


def connecte(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def test_logout_ends_the_copied_cookie_too(app, factory):
    user, _ = factory.intervenant()
    client = connecte(app, user)
    autre = copie(app, client)
    assert ouvre(autre, "/mon-profil/") and ouvre(client)
    deconnecter(client)
    assert not ouvre(client)
    assert not ouvre(autre, "/mon-profil/")


def test_logout_ends_only_this_browser(app, factory):
    user = factory.gestionnaire()
    ici, ailleurs = connecte(app, user), connecte(app, user)
    deconnecter(ici)
    assert not ouvre(ici) and ouvre(ailleurs)


def test_password_reset_ends_every_session(app, client, factory):
    user, _ = factory.intervenant()
    navigateurs = [connecte(app, user), connecte(app, user)]
    forgot(client, user.email)
    assert reset(client, link_in(last_mail(user.email)), "Nouveau-Mdp-9").status_code == 302
    assert not any(ouvre(n) for n in navigateurs)
    nouveau = app.test_client()
    login(nouveau, user.email, "Nouveau-Mdp-9")
    assert ouvre(nouveau)


def test_password_change_keeps_this_browser_ends_the_others(app, factory):
    user = factory.gestionnaire()
    ici, ailleurs = connecte(app, user), connecte(app, user)
    copie_ici = copie(app, ici)
    token = csrf_token_from(ici.get(PAGE).get_data(as_text=True))
    response = ici.post(
        PAGE,
        data={"csrf_token": token, "mot_de_passe_actuel": PASSWORD, "password": "Autre-Mdp-1",
              "password_confirmation": "Autre-Mdp-1"},
    )
    assert response.status_code == 302
    assert ouvre(ici)
    assert not ouvre(ailleurs) and not ouvre(copie_ici)


def test_email_change_ends_every_session(app, factory):
    user, _ = factory.intervenant()
    client = connecte(app, user)
    autre = copie(app, client)
    page = client.get("/compte/email")
    client.post(
        "/compte/email",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": "neuve@example.test",
              "email_confirmation": "neuve@example.test", "mot_de_passe_actuel": PASSWORD},
    )
    assert ouvre(autre)  # nothing changes before the link
    assert app.test_client().get(link_in(last_mail("neuve@example.test"))).status_code == 302
    assert not ouvre(autre) and not ouvre(client)


def test_archiving_ends_every_session(app, factory, monkeypatch):
    user, _ = complement_demande(factory)
    client = connecte(app, user)
    travel(monkeypatch, 62)
    assert archiver_complements() == 1
    assert not ouvre(client)


def test_logout_everywhere(app, factory):
    user, _ = factory.intervenant()
    ici, ailleurs = connecte(app, user), connecte(app, user)
    page = page_text(ici.get(PAGE))
    assert "Se déconnecter de tous mes appareils" in page
    response = ici.post("/compte/deconnexion-partout", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert not ouvre(ici) and not ouvre(ailleurs)


def test_logout_everywhere_needs_the_csrf_token(app, factory):
    user, _ = factory.intervenant()
    client = connecte(app, user)
    assert client.post("/compte/deconnexion-partout").status_code == 400
    assert ouvre(client)


@pytest.mark.parametrize("changement", ["desactiver", "email"])
def test_users_screen_ends_sessions(app, factory, login_as, monkeypatch, changement):
    """Deactivating an account (the users screen's action, the account
    workflow) or changing its e-mail in the users screen ends its sessions
    (their rows are closed, not only refused while inactive)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    user = factory.gestionnaire()
    client = connecte(app, user)
    admin = login_as("admin_national")
    if changement == "desactiver":
        response = admin.post("/users/action_post", data={"action": "desactiver", "rowid": [str(user.id)]})
    else:
        response = admin.post(f"/users/edit/{user.id}", data={
            "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
            "email": "autre.adresse@example.test", "roles": [str(r.id) for r in user.roles],
            # A gestionnaire's structure is required by the users screen (issue 27).
            "structure": str(factory.structure("DR-84").id),
        })
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    ouvertes = select(func.count()).select_from(SessionUtilisateur).where(
        SessionUtilisateur.user_id == user.id, SessionUtilisateur.revoquee_le.is_(None)
    )
    assert db.session.scalar(ouvertes) == 0
    assert not ouvre(client)


@pytest.mark.parametrize(
    ("role", "minutes", "ouverte"),
    [
        ("gestionnaire", 29, True),
        ("gestionnaire", 31, False),
        ("intervenant", 31, True),
        ("intervenant", 119, True),
        ("intervenant", 121, False),
    ],
)
def test_idle_timeout(app, factory, monkeypatch, role, minutes, ouverte):
    user = factory.gestionnaire() if role == "gestionnaire" else factory.intervenant()[0]
    client = connecte(app, user)
    depart = sessions.maintenant()
    monkeypatch.setattr(sessions, "maintenant", lambda: depart + minutes * 60)
    assert ouvre(client) is ouverte
    if not ouverte:
        with client.session_transaction() as session:
            messages = [m for _, m in session.get("_flashes", [])]
        assert sessions.MESSAGE_EXPIREE in messages


def test_activity_keeps_the_session_up_to_its_absolute_lifetime(app, factory, monkeypatch):
    user = factory.gestionnaire()
    client = connecte(app, user)
    autre = copie(app, client)
    depart = sessions.maintenant()
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes
        monkeypatch.setattr(sessions, "maintenant", lambda m=minutes: depart + m * 60)
        assert ouvre(client), minutes
    # The copy made at login was left idle: over long ago.
    assert not ouvre(autre)
    monkeypatch.setattr(sessions, "maintenant", lambda: depart + 12 * 3600 + 60)
    assert not ouvre(client)


def test_a_cookie_without_server_session_is_nobody(app, factory):
    """A cookie naming a user but no session row (forged with the key, or
    issued before this change) opens nothing."""
    user = factory.gestionnaire()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not ouvre(client)


def test_sign_out_is_a_post_with_its_csrf_token(app, factory):
    """Issue 33, point 5: a GET (another site's link or image) no longer signs
    out; the menu's « Se déconnecter » is a form posting its CSRF token."""
    user, _ = factory.intervenant()
    client = connecte(app, user)
    menu = client.get("/mon-profil/").get_data(as_text=True)
    assert '<form method="post" action="/logout/" class="form-deconnexion">' in menu
    assert 'href="/logout/"' not in menu
    page = client.get("/logout/")
    assert page.status_code == 200 and "Se déconnecter" in page_text(page)
    assert ouvre(client)
    assert client.post("/logout/").status_code == 400  # without the CSRF token
    assert ouvre(client)
    reponse = client.post("/logout/", data={"csrf_token": csrf_token_from(menu)})
    assert reponse.status_code == 302
    assert not ouvre(client)
    assert client.get("/logout/").status_code == 302  # signed out: nothing to confirm
