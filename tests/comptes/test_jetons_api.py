"""API tokens die with the session (issue 33, point 2).

The probe's sequence: a token pair from ``/api/v1/security/login`` with
``refresh: true``, then an event that ends the account's sessions; after it,
the access token opens no API route and the refresh token gives no new
token. A refresh token also lives no longer than ``SESSION_DUREE_MAX``.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.jobs.inscription import archiver_complements
from app.security import sessions
from app.security.roles import ADMIN_NATIONAL
from app.workflows.compte import appliquer
from app.workflows.core import Acteur
from tests.conftest import PASSWORD, Factory, code_totp, csrf_token_from, enroler, login, page_text, sign_in
from tests.outils.comptes import (  # noqa: F401
    _action_utilisateurs,
    _captcha_solvable,
    complement_demande,
    forgot,
    last_mail,
    link_in,
    reset,
    travel,
)

ROUTE = "/api/v1/intervenants/_info"


@pytest.fixture(autouse=True)
def _cle_jwt(app, monkeypatch):
    # TestingConfig's SECRET_KEY is too short for PyJWT (a warning, hence an error here).
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", "cle-jwt-de-test-suffisamment-longue-0123456789")


def jetons(client, user, **extra) -> tuple[str, str]:
    reponse = client.post("/api/v1/security/login", json={
        "username": user.email, "password": PASSWORD, "provider": "db", "refresh": True, **extra})
    assert reponse.status_code == 200, reponse.get_json()
    corps = reponse.get_json()
    return corps["access_token"], corps["refresh_token"]


def appel(app, jeton: str, url=ROUTE) -> int:
    """The status of an API call with this bearer token (a fresh client: no cookie)."""
    return app.test_client().get(url, headers={"Authorization": f"Bearer {jeton}"}).status_code


def rafraichir(app, jeton: str) -> int:
    return app.test_client().post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {jeton}"}).status_code


def _deconnexion_api(app, user, acces):
    reponse = app.test_client().post("/api/v1/security/logout", headers={"Authorization": f"Bearer {acces}"})
    assert reponse.status_code == 200


def _deconnexion_partout(app, user, acces):
    client = app.test_client()
    login(client, user.email)
    page = page_text(client.get("/compte/mot-de-passe"))
    assert client.post("/compte/deconnexion-partout", data={"csrf_token": csrf_token_from(page)}).status_code == 302


def _changement_mot_de_passe(app, user, acces):
    client = app.test_client()
    login(client, user.email)
    token = csrf_token_from(client.get("/compte/mot-de-passe").get_data(as_text=True))
    reponse = client.post("/compte/mot-de-passe", data={
        "csrf_token": token, "mot_de_passe_actuel": PASSWORD, "password": "Autre-Mdp-1",
        "password_confirmation": "Autre-Mdp-1"})
    assert reponse.status_code == 302


def _reinitialisation_mot_de_passe(app, user, acces):
    client = app.test_client()
    forgot(client, user.email)
    assert reset(client, link_in(last_mail(user.email)), "Nouveau-Mdp-9").status_code == 302


def _changement_email(app, user, acces):
    client = app.test_client()
    login(client, user.email)
    page = client.get("/compte/email")
    client.post("/compte/email", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": "neuve@example.test",
        "email_confirmation": "neuve@example.test", "mot_de_passe_actuel": PASSWORD})
    assert app.test_client().get(link_in(last_mail("neuve@example.test"))).status_code == 302


def _archivage(app, user, acces):
    appliquer(user.id, "archiver", Acteur(None, frozenset({ADMIN_NATIONAL})))
    db.session.commit()


def _desactivation(app, user, acces):
    appliquer(user.id, "desactiver", Acteur(None, frozenset({ADMIN_NATIONAL})))
    db.session.commit()


def _reinitialisation_second_facteur(app, user, acces):
    admin = app.test_client()
    sign_in(admin, Factory(app).admin_national(email="admin.jetons@example.test"))
    assert _action_utilisateurs(admin, "reinitialiser_second_facteur", user).status_code == 302


EVENEMENTS = {
    "deconnexion": _deconnexion_api,
    "deconnexion_partout": _deconnexion_partout,
    "changement_mot_de_passe": _changement_mot_de_passe,
    "reinitialisation_mot_de_passe": _reinitialisation_mot_de_passe,
    "changement_email": _changement_email,
    "archivage": _archivage,
    "desactivation": _desactivation,
    "reinitialisation_second_facteur": _reinitialisation_second_facteur,
}


@pytest.mark.parametrize("evenement", list(EVENEMENTS))
def test_tokens_end_with_the_session(app, factory, evenement):
    user = factory.gestionnaire()
    enroler(user)
    acces, refresh = jetons(app.test_client(), user, totp=code_totp())
    assert appel(app, acces) == 200 and rafraichir(app, refresh) == 200
    EVENEMENTS[evenement](app, user, acces)
    assert appel(app, acces) == 401
    assert rafraichir(app, refresh) == 401


def test_archiving_by_the_system_ends_the_tokens(app, factory, monkeypatch):
    user, _ = complement_demande(factory)
    acces, refresh = jetons(app.test_client(), user)
    travel(monkeypatch, 62)
    assert archiver_complements() == 1
    assert appel(app, acces) == 401 and rafraichir(app, refresh) == 401


def test_a_refreshed_token_stays_in_the_same_session(app, factory):
    user, _ = factory.intervenant()
    client = app.test_client()
    acces, refresh = jetons(client, user)
    nouveau = client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {refresh}"}).get_json()
    autre_acces, autre_refresh = jetons(app.test_client(), user)
    client.post("/api/v1/security/logout", headers={"Authorization": f"Bearer {nouveau['access_token']}"})
    assert rafraichir(app, refresh) == 401
    # Another login (another device) is another session: it goes on.
    assert rafraichir(app, autre_refresh) == 200


def test_refresh_token_lives_no_longer_than_a_session(app, factory, monkeypatch):
    user, _ = factory.intervenant()
    acces, refresh = jetons(app.test_client(), user)
    duree = app.config["SESSION_DUREE_MAX"]
    depart = sessions.maintenant()
    monkeypatch.setattr(sessions, "maintenant", lambda: depart + duree - 60)
    assert rafraichir(app, refresh) == 200
    monkeypatch.setattr(sessions, "maintenant", lambda: depart + duree + 1)
    assert rafraichir(app, refresh) == 401
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == duree


def test_a_token_without_session_is_refused(app, factory):
    """A token signed with the key but opening no session (as FAB made them)."""
    from flask_jwt_extended import create_access_token

    user, _ = factory.intervenant()
    with app.test_request_context():
        jeton = create_access_token(identity=str(user.id), fresh=True)
    assert appel(app, jeton) == 401
