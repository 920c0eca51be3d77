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
from tests.conftest import PASSWORD, csrf_token_from, page_text, sign_in


def post_login(client, username, password, follow=False):
    page = client.get("/login/")
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
        follow_redirects=follow,
    )


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


def test_lockout_after_repeated_failures_and_automatic_unlock(app, client, factory, monkeypatch):
    user, _ = factory.intervenant()
    for _ in range(app.config.get("AUTH_MAX_ECHECS", 5)):
        post_login(client, user.email, "Mauvais-1!")
    # Locked: even the right password is refused, with its own message.
    html = page_text(post_login(client, user.email, PASSWORD, follow=True))
    assert "temporairement verrouillé" in html
    etat = db.session.get(EtatCompte, user.id)
    assert etat.verrouille_jusqua is not None

    later = base.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    db.session.refresh(etat)
    assert etat.echecs_consecutifs == 0 and etat.verrouille_jusqua is None


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


def test_rate_limit_on_login_form_and_api(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/api/v1/security/login", data="x").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    statuses = [client.post("/login/", data={"username": "a@example.test"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


# -- provisional credentials ---------------------------------------------------
def _grant_provisional(app, factory, user):
    admin = app.test_client()
    sign_in(admin, factory.admin_national())
    url = f"/gestion/comptes/{user.id}/identifiants-provisoires"
    page = admin.get(url)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    refused = admin.post(url, data={"csrf_token": token, "email": "nouvelle@example.test"})
    assert "Cochez la case pour confirmer" in page_text(refused)
    response = admin.post(url, data={"csrf_token": token, "email": "nouvelle@example.test", "confirmation": "y"})
    assert response.status_code == 302
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipients == "nouvelle@example.test").order_by(OutboxMessage.id.desc())
    )
    password = mail.body_text.split("Mot de passe : ")[1].split()[0]
    return password


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
    from app.comptes_jobs import expirer_identifiants_provisoires

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
    from app.comptes_jobs import purger_tentatives_connexion

    assert purger_tentatives_connexion() == 0
    later = base.utcnow() + timedelta(days=181)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    assert purger_tentatives_connexion() >= 1
    assert db.session.scalar(select(TentativeConnexion).where(TentativeConnexion.user_id == user.id)) is None
