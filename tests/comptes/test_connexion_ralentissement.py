"""A lockout nobody can aim, an office that can sign in (issue 33, point 3).

The probe: six wrong passwords for a trainer's identifier, sent from six
addresses, then one wrong try per delay, kept the owner out everywhere.
Now delays grow per (identifier, address) pair; past AUTH_SEUIL_CAPTCHA
failures of the identifier the form asks for the captcha instead of
refusing the right password, and the API delays the failing address only
(429, French message, Retry-After). The request rate limit counts failed
attempts only, and the support form limits signed-in people per account.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.models import base
from app.models.authentification import TentativeConnexion
from tests.conftest import PASSWORD, csrf_token_from, page_text

TEST_ANSWER = "reponse-test"
FAUX = "Mauvais-1!"
_VRAI_UTCNOW = base.utcnow


@pytest.fixture(autouse=True)
def _captcha_et_jwt(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_TEST_ANSWER", TEST_ANSWER)
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", "cle-jwt-de-test-suffisamment-longue-0123456789")


def depuis(app, adresse: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = adresse
    return client


def formulaire(client, identifiant, mot_de_passe, **extra):
    page = client.get("/login/")
    donnees = {"username": identifiant, "password": mot_de_passe,
               "csrf_token": csrf_token_from(page.get_data(as_text=True)), **extra}
    return client.post("/login/", data=donnees)


def api(client, identifiant, mot_de_passe):
    return client.post("/api/v1/security/login",
                       json={"username": identifiant, "password": mot_de_passe, "provider": "db"})


def _plus_tard(monkeypatch, secondes):
    later = _VRAI_UTCNOW() + timedelta(seconds=secondes)
    monkeypatch.setattr(base, "utcnow", lambda: later)


def sequence_de_la_sonde(app, monkeypatch, identifiant):
    """Six wrong passwords from six addresses, then one wrong try per delay
    (form and API) from the same six addresses for a while."""
    for i in range(6):
        assert formulaire(depuis(app, f"203.0.113.{i + 1}"), identifiant, FAUX).status_code in (200, 302)
    for minute in range(1, 4):
        _plus_tard(monkeypatch, 60 * minute * 15)
        api(depuis(app, f"203.0.113.{minute}"), identifiant, FAUX)
        formulaire(depuis(app, f"203.0.113.{minute + 3}"), identifiant, FAUX)


def test_the_owner_signs_in_through_the_form_with_the_captcha(app, factory, monkeypatch):
    user, _ = factory.intervenant()
    sequence_de_la_sonde(app, monkeypatch, user.email)
    proprietaire = depuis(app, "198.51.100.7")
    # The right password is not refused: the form asks for the captcha.
    reponse = formulaire(proprietaire, user.email, PASSWORD)
    html = page_text(reponse)
    assert reponse.status_code == 200
    assert "Trop de tentatives" not in html and "incorrect" not in html
    assert "recopiez le texte de l'image" in html and 'name="captcha_id"' in html
    assert user.email in html  # the identifier is kept
    defi = re.search(r'name="captcha_id"[^>]*value="([^"]+)"', html).group(1)
    # A wrong captcha: the password is not checked, a new image is shown.
    reponse = formulaire(proprietaire, user.email, PASSWORD, captcha_id=defi, captcha="000")
    html = page_text(reponse)
    assert reponse.status_code == 200 and "ne correspond pas à l'image" in html
    defi = re.search(r'name="captcha_id"[^>]*value="([^"]+)"', html).group(1)
    reponse = formulaire(proprietaire, user.email, PASSWORD, captcha_id=defi, captcha=TEST_ANSWER)
    assert reponse.status_code == 302 and "/login" not in reponse.headers["Location"]
    motifs = db.session.scalars(select(TentativeConnexion.motif).where(
        TentativeConnexion.identifiant == user.email, TentativeConnexion.adresse_ip == "198.51.100.7")
        .order_by(TentativeConnexion.id)).all()
    assert motifs == ["captcha_requis", "succes"]


def test_the_api_refuses_the_failing_address_only(app, factory, monkeypatch):
    user, _ = factory.intervenant()
    sequence_de_la_sonde(app, monkeypatch, user.email)
    attaquant = depuis(app, "203.0.113.1")
    assert api(attaquant, user.email, FAUX).status_code == 401
    reponse = api(attaquant, user.email, PASSWORD)
    assert reponse.status_code == 429
    assert reponse.get_json()["message"].startswith("Trop de tentatives de connexion infructueuses depuis cette adresse")
    assert 0 < int(reponse.headers["Retry-After"]) <= app.config["AUTH_DUREE_VERROUILLAGE"]
    # The owner's device, elsewhere: the right password opens the API.
    reponse = api(depuis(app, "198.51.100.7"), user.email, PASSWORD)
    assert reponse.status_code == 200 and "access_token" in reponse.get_json()


def test_delays_are_per_identifier_and_address(app, factory):
    """The failures of one address delay that address for that identifier,
    not the owner elsewhere (below the captcha threshold too)."""
    user, _ = factory.intervenant()
    app.config["AUTH_SEUIL_CAPTCHA"], seuil = 100, app.config["AUTH_SEUIL_CAPTCHA"]
    try:
        attaquant = depuis(app, "203.0.113.9")
        for _ in range(app.config["AUTH_MAX_ECHECS"]):
            formulaire(attaquant, user.email, FAUX)
        assert "Trop de tentatives" in page_text(attaquant.get(formulaire(attaquant, user.email, PASSWORD).location))
        reponse = formulaire(depuis(app, "198.51.100.8"), user.email, PASSWORD)
        assert reponse.status_code == 302 and "/login" not in reponse.headers["Location"]
    finally:
        app.config["AUTH_SEUIL_CAPTCHA"] = seuil


# -- an office behind one address --------------------------------------------------
@pytest.fixture
def app_limitee(tmp_path):
    """The application with its rate limits on (as in every profile but the
    tests'), on its own in-memory SQLite database with the roles (also when
    the suite runs on PostgreSQL: its rows are not rolled back)."""
    from app import create_app
    from app.security.sync import sync_roles

    limitee = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=None, RATELIMIT_ENABLED=True, AUTH_RATE_LIMITED=True,  # AUTH_RATE_LIMIT: the default
                         SUPPORT_RATE_LIMIT="2 per minute", WTF_CSRF_ENABLED=False,
                         JWT_SECRET_KEY="cle-jwt-de-test-suffisamment-longue-0123456789",
                         UPLOAD_FOLDER=str(tmp_path / "u"), MAIL_FILE_DIR=str(tmp_path / "m"))
    with limitee.app_context():
        db.create_all()
        sync_roles()
        db.session.commit()
    yield limitee
    with limitee.app_context():
        db.session.remove()
        db.engine.dispose()


def _comptes(application, nombre: int) -> list[str]:
    from app.security.roles import INTERVENANT

    with application.app_context():
        sm = application.appbuilder.sm
        emails = [f"stagiaire{i}@example.test" for i in range(nombre)]
        for email in emails:
            assert sm.add_user(email, "Prénom", "Nom", email, sm.find_role(INTERVENANT), password=PASSWORD)
        db.session.commit()
        db.session.remove()
    return emails


def test_default_rate_limit_is_the_configured_one():
    from config import DefaultConfig

    assert DefaultConfig.AUTH_RATE_LIMIT == "30 per 5 minute"


def test_fifty_accounts_sign_in_from_one_address_within_a_minute(app_limitee):
    emails = _comptes(app_limitee, 50)
    for rang, email in enumerate(emails):
        client = app_limitee.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
        if rang % 2:
            reponse = client.post("/api/v1/security/login",
                                  json={"username": email, "password": PASSWORD, "provider": "db"})
            assert reponse.status_code == 200, (rang, reponse.status_code)
        else:
            reponse = client.post("/login/", data={"username": email, "password": PASSWORD})
            assert reponse.status_code == 302 and "/login" not in reponse.headers["Location"], (rang, reponse.status_code)
    with app_limitee.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User).where(User.login_count == 1)) == 50


def test_failures_still_reach_the_rate_limit(app_limitee):
    """Failed attempts from one address still meet the limit (30 per 5 minutes)."""
    client = app_limitee.test_client()
    statuts = [client.post("/login/", data={"username": f"x{i}@example.test", "password": FAUX}).status_code
               for i in range(31)]
    assert statuts[:30] == [302] * 30 and statuts[30] == 429


def test_support_limits_signed_in_people_per_account(app_limitee):
    """Two colleagues behind one address each have their own counter."""
    from app.security.deux_facteurs import CLE_VERIFIE
    from app.security.sessions import cles_de_session

    emails = _comptes(app_limitee, 2)
    clients = []
    with app_limitee.app_context():
        for email in emails:
            user = db.session.scalar(select(User).where(User.email == email))
            client = app_limitee.test_client()
            client.environ_base["REMOTE_ADDR"] = "192.0.2.60"
            cles = cles_de_session(user)
            db.session.commit()
            with client.session_transaction() as session:
                session.update(cles)
                session[CLE_VERIFIE] = True
            clients.append(client)
        db.session.remove()
    statuts = [c.post("/aide-et-contact", data={}).status_code for c in clients for _ in range(2)]
    assert 429 not in statuts
    assert clients[0].post("/aide-et-contact", data={}).status_code == 429
