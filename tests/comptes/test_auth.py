"""Login by e-mail: messages, lockout and unlock, attempts log, rate limiting,
provisional credentials (issue #3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import base
from app.models.authentification import EtatCompte, EtatCompteUtilisateur, TentativeConnexion
from app.models.outbox import OutboxMessage
from app.security.roles import ADMIN_NATIONAL
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur
from tests.conftest import PASSWORD, csrf_token_from, deconnecter, page_text
from tests.outils.comptes import _grant_provisional, post_login


def test_login_page_labels(client):
    html = page_text(client.get("/login/"))
    for label in ("Identifiant *", "Mot de passe *", "Valider", "Mot de passe oublié", "Retour au portail"):
        assert label in html


def test_generic_message_for_unknown_user_and_wrong_password(client, factory):
    user, _ = factory.intervenant()
    unknown = page_text(post_login(client, "personne@example.test", PASSWORD, follow=True))
    wrong = page_text(post_login(client, user.email, "Mauvais-1!", follow=True))
    assert "Identifiant ou mot de passe incorrect." in unknown
    assert "Identifiant ou mot de passe incorrect." in wrong


def test_a_refused_login_keeps_the_identifier_typed(client, factory):
    """After « Identifiant ou mot de passe incorrect. » the form shows the
    e-mail again: only the password is to be typed again, and only once."""
    user, _ = factory.intervenant()
    html = post_login(client, user.email, "Mauvais-1!", follow=True).get_data(as_text=True)
    assert f'value="{user.email}"' in html
    assert 'name="password" required type="password" value=""' in html
    assert f'value="{user.email}"' not in client.get("/login/").get_data(as_text=True)


def test_every_attempt_is_logged_with_ip(client, factory):
    user, _ = factory.intervenant()
    post_login(client, user.email, "Mauvais-1!")
    post_login(client, user.email.upper(), PASSWORD)
    rows = db.session.scalars(
        select(TentativeConnexion).where(TentativeConnexion.user_id == user.id).order_by(TentativeConnexion.id)
    ).all()
    assert [(r.succes, r.motif) for r in rows] == [(False, "mot_de_passe"), (True, "succes")]
    assert all(r.adresse_ip == "127.0.0.1" and r.cree_le is not None and r.canal == "web" for r in rows)
    post_login(client.application.test_client(), "inconnu@example.test", "x")
    assert db.session.scalar(select(TentativeConnexion).where(TentativeConnexion.identifiant == "inconnu@example.test")).motif == "inconnu"


_VRAI_UTCNOW = base.utcnow


def _plus_tard(monkeypatch, secondes):
    """The clock ``secondes`` after the real now (not cumulative)."""
    later = _VRAI_UTCNOW() + timedelta(seconds=secondes)
    monkeypatch.setattr(base, "utcnow", lambda: later)


@pytest.mark.parametrize("connu", [True, False])
def test_growing_delays_the_same_for_known_and_unknown_identifiers(app, client, factory, monkeypatch, connu):
    """Issue 19, point 6: no hard lock, no message that tells an account
    exists; each failure past the threshold doubles the wait (from one
    address: the delays of an identifier and an address; the captcha that
    the form asks past AUTH_SEUIL_CAPTCHA is tested in
    test_connexion_ralentissement.py)."""
    monkeypatch.setitem(app.config, "AUTH_SEUIL_CAPTCHA", 100)
    user, _ = factory.intervenant()
    identifiant = user.email if connu else "personne@example.test"
    seuil = app.config["AUTH_MAX_ECHECS"]
    for _ in range(seuil - 1):
        assert "Identifiant ou mot de passe incorrect." in page_text(post_login(client, identifiant, "Mauvais-1!", follow=True))
    post_login(client, identifiant, "Mauvais-1!")
    # Within the delay, even the right password is not checked: the same message either way.
    html = page_text(post_login(client, identifiant, PASSWORD, follow=True))
    assert "Trop de tentatives de connexion infructueuses. Réessayez dans 1 minute(s)" in html
    assert "verrouillé" not in html
    # After the first delay (30 s) one more attempt is checked; a failure doubles the delay.
    _plus_tard(monkeypatch, 31)
    post_login(client, identifiant, "Mauvais-1!")
    _plus_tard(monkeypatch, 31 + 40)
    assert "Trop de tentatives" in page_text(post_login(client, identifiant, PASSWORD, follow=True))
    _plus_tard(monkeypatch, 31 + 61)
    response = post_login(client, identifiant, PASSWORD)
    if connu:
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
        etat = db.session.get(EtatCompte, user.id)
        assert etat.echecs_consecutifs == 0 and etat.verrouille_jusqua is None
    else:
        assert "/login" in response.headers["Location"]
    motifs = db.session.scalars(
        select(TentativeConnexion.motif).where(TentativeConnexion.identifiant == identifiant).order_by(TentativeConnexion.id)
    ).all()
    assert motifs.count("ralenti") == 2


def test_success_resets_the_count_and_delays_never_exceed_the_maximum(app, client, factory, monkeypatch):
    user, _ = factory.intervenant()
    for _ in range(app.config["AUTH_MAX_ECHECS"] - 1):
        post_login(client, user.email, "Mauvais-1!")
    assert post_login(client, user.email, PASSWORD).status_code == 302
    deconnecter(client)
    post_login(client, user.email, "Mauvais-1!")  # one failure after a success: no delay
    assert "/login" not in post_login(client, user.email, PASSWORD).headers["Location"]
    # Many failures (spread over time): the wait stays at AUTH_DUREE_VERROUILLAGE.
    from app.security import auth

    with app.test_request_context():
        assert auth._delai(50, 5).total_seconds() == app.config["AUTH_DUREE_VERROUILLAGE"]


def test_form_and_api_failures_share_the_throttle(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", "cle-jwt-de-test-suffisamment-longue-0123456789")
    user, _ = factory.intervenant()
    for _ in range(app.config["AUTH_MAX_ECHECS"]):
        api = client.post("/api/v1/security/login", json={"username": user.email, "password": "Faux-1!", "provider": "db"})
        assert api.status_code == 401
    assert "Trop de tentatives" in page_text(post_login(client, user.email, PASSWORD, follow=True))


def test_throttle_per_address(app, client, factory, monkeypatch):
    """Many identifiers tried from one address: that address waits too."""
    monkeypatch.setitem(app.config, "AUTH_MAX_ECHECS_ADRESSE", 4)
    user, _ = factory.intervenant()
    for i in range(4):
        post_login(client, f"essai{i}@example.test", "Faux-1!")
    assert "Trop de tentatives" in page_text(post_login(client, user.email, PASSWORD, follow=True))
    autre = app.test_client()
    autre.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert post_login(autre, user.email, PASSWORD).status_code == 302


def test_unlock_lifts_the_delay(app, client, factory):
    from app.security import auth

    user, _ = factory.intervenant()
    for _ in range(app.config["AUTH_MAX_ECHECS"]):
        post_login(client, user.email, "Mauvais-1!")
    with app.test_request_context():
        auth.lever_ralentissement(user)
        db.session.commit()
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_unknown_identifier_costs_one_hash_of_the_real_method(app, client, factory, monkeypatch):
    """Issue 19, point 6 (timing): a known and an unknown identifier both
    check one password hash made with the configured method and cost."""
    from app.security import auth

    verifiees = []
    vrai = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: verifiees.append(h.split("$")[0]) or vrai(h, p))
    user, _ = factory.intervenant()
    post_login(client, user.email, "Mauvais-1!")
    post_login(client, "personne@example.test", "Mauvais-1!")
    methode = app.config["FAB_PASSWORD_HASH_METHOD"]
    assert verifiees == [methode, methode]


def test_archived_and_deactivated_accounts_have_their_message(client, factory):
    user, profil = factory.intervenant()
    cycle_compte.appliquer(user.id, "archiver", Acteur.systeme())
    db.session.commit()
    assert "Votre compte est archivé" in page_text(post_login(client, user.email, PASSWORD, follow=True))
    # Deactivated is not archived (it used to read as archived: « inactive and not awaiting activation »).
    other, _ = factory.intervenant()
    cycle_compte.appliquer(other.id, "desactiver", Acteur(None, frozenset({ADMIN_NATIONAL})))
    db.session.commit()
    html = page_text(post_login(client, other.email, PASSWORD, follow=True))
    assert "Votre compte est désactivé" in html and "archivé" not in html
    # Wrong password on an archived account: still the generic message.
    assert "Identifiant ou mot de passe incorrect." in page_text(post_login(client, user.email, "Faux-123!", follow=True))


def test_api_login_uses_the_same_checks(app, client, factory, monkeypatch):
    # TestingConfig's SECRET_KEY is too short for PyJWT (a warning, hence an error here).
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", "cle-jwt-de-test-suffisamment-longue-0123456789")
    user, profil = factory.intervenant()
    ok = client.post("/api/v1/security/login", json={"username": user.email, "password": PASSWORD, "provider": "db"})
    assert ok.status_code == 200 and "access_token" in ok.get_json()
    cycle_compte.appliquer(user.id, "archiver", Acteur.systeme())
    db.session.commit()
    refused = client.post("/api/v1/security/login", json={"username": user.email, "password": PASSWORD, "provider": "db"})
    assert refused.status_code == 401
    motifs = db.session.scalars(select(TentativeConnexion.motif).where(TentativeConnexion.canal == "api")).all()
    assert motifs[-2:] == ["succes", "archive"]


@pytest.fixture
def limited_app(tmp_path):
    from app import create_app

    limited = create_app(
        "testing",
        RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMITED=True,  # as in every other profile
        AUTH_RATE_LIMIT="3 per minute",
        WTF_CSRF_ENABLED=False,  # CSRF is checked before the limiter: tested elsewhere
        UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_FILE_DIR=str(tmp_path / "m"),
    )
    with limited.app_context():
        db.create_all()
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("voie", ["api", "formulaire"])
def test_rate_limit_counts_each_attempt_once(limited_app, voie):
    """Issue 27, point 7: at the configured limit (3), exactly 3 attempts
    pass, the 4th is refused (FAB's own limit counted each one twice)."""
    client = limited_app.test_client()
    if voie == "api":
        statuses = [client.post("/api/v1/security/login", data="x").status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
    else:
        statuses = [client.post("/login/", data={"username": "a@example.test"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
    assert client.get("/login/").status_code == 200  # pages and other routes are not counted


def test_rate_limit_one_counter_for_form_and_api(limited_app):
    """Issue 19, point 6: the form and the API login share one limit."""
    client = limited_app.test_client()
    statuses = [
        client.post("/api/v1/security/login", data="x").status_code,
        client.post("/login/", data={"username": "a@example.test"}).status_code,
        client.post("/api/v1/security/login", data="x").status_code,
        client.post("/login/", data={"username": "a@example.test"}).status_code,
        client.post("/api/v1/security/refresh").status_code,
    ]
    assert statuses[:4] == [400, 200, 400, 429]
    assert statuses[4] != 429


# -- provisional credentials ---------------------------------------------------


def test_provisional_credentials_must_be_personalised_first(app, client, factory):
    user, _ = factory.intervenant()
    password = _grant_provisional(app, factory, user)
    assert "Identifiant : nouvelle@example.test" in db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.recipients == "nouvelle@example.test")
    )
    # The old password no longer works; the provisional one does.
    assert "incorrect" in page_text(post_login(client, "nouvelle@example.test", PASSWORD, follow=True))
    response = post_login(client, "nouvelle@example.test", password)
    assert response.headers["Location"].endswith("/compte/identifiants")
    # Before anything else: every page leads back to "Vos identifiants de connexion".
    assert client.get("/mon-profil/").headers["Location"].endswith("/compte/identifiants")
    page = client.get("/compte/identifiants")
    html = page_text(page)
    assert "Vos identifiants de connexion" in html and "différent du mot de passe actuel" in html
    token = csrf_token_from(page.get_data(as_text=True))
    same = client.post(
        "/compte/identifiants",
        data={"csrf_token": token, "email": "perso@example.test", "password": password, "password_confirmation": password},
    )
    assert "doit être différent du mot de passe actuel" in page_text(same)
    done = client.post(
        "/compte/identifiants",
        data={"csrf_token": token, "email": "perso@example.test", "password": "Perso-2025!", "password_confirmation": "Perso-2025!"},
    )
    assert done.status_code == 302
    assert client.get("/mon-profil/").status_code == 200
    db.session.refresh(user)
    assert user.email == user.username == "perso@example.test"
    etat = db.session.get(EtatCompte, user.id)
    assert etat.etat == EtatCompteUtilisateur.actif and etat.provisoire_jusqua is None


def test_provisional_credentials_expire_after_7_days(app, client, factory, monkeypatch):
    user, _ = factory.intervenant()
    password = _grant_provisional(app, factory, user)
    later = base.utcnow() + timedelta(days=7, minutes=1)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    assert "identifiants provisoires ont expiré" in page_text(post_login(client, "nouvelle@example.test", password, follow=True))
    from app.jobs.comptes import expirer_identifiants_provisoires

    assert expirer_identifiants_provisoires() == 1
    assert expirer_identifiants_provisoires() == 0
    db.session.refresh(user)
    from werkzeug.security import check_password_hash

    assert not check_password_hash(user.password, password)


def test_national_admin_finds_account_by_email(app, factory, login_as):
    user, _ = factory.intervenant()
    client = login_as("admin_national")
    found = client.get("/gestion/comptes/identifiants-provisoires", query_string={"email": user.email.upper()})
    assert found.headers["Location"].endswith(f"/gestion/comptes/{user.id}/identifiants-provisoires")
    missing = client.get("/gestion/comptes/identifiants-provisoires", query_string={"email": "<b>x</b>@example.test"})
    html = missing.get_data(as_text=True)
    assert "Aucun compte" in page_text(missing) and "<b>x</b>" not in html


def test_only_national_admin_grants_provisional_credentials(app, factory, login_as):
    user, _ = factory.intervenant()
    client = login_as("gestionnaire")
    response = client.get(f"/gestion/comptes/{user.id}/identifiants-provisoires")
    assert response.status_code in (302, 403)
    assert not db.session.get(EtatCompte, user.id)


def test_login_log_purged_after_retention(app, client, factory, monkeypatch):
    user, _ = factory.intervenant()
    post_login(client, user.email, PASSWORD)
    from app.jobs.comptes import purger_tentatives_connexion

    assert purger_tentatives_connexion() == 0
    later = base.utcnow() + timedelta(days=181)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    assert purger_tentatives_connexion() >= 1
    assert db.session.scalar(select(TentativeConnexion).where(TentativeConnexion.user_id == user.id)) is None
