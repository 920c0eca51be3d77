"""Accounts: sign-in, registration (form data, documents, captcha answer), e-mails' links, forgotten password, provisional credentials, the inscription queue's rows, and ``travel`` (the clock moved by days)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, select

from app.extensions import db
from app.models import base
from app.models.outbox import OutboxMessage
from app.workflows.core import Acteur
from app.workflows.inscription import inscription
from tests.conftest import corps_envoye, csrf_token_from, page_text, sign_in
from tests.outils.mails import run_jobs


def post_login(client, username, password, follow=False):
    page = client.get("/login/")
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
        follow_redirects=follow,
    )


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
    password = corps_envoye(mail).split("Mot de passe : ")[1].split()[0]
    return password


TEST_ANSWER = "reponse-test"


PASSWORD_OK = "Bonjour-2024!"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} in page"
    return match.group(1)


def open_documents(client) -> None:
    for nom in ("charte", "conditions", "mentions"):
        assert client.get(f"/inscription/document/{nom}").status_code in (200, 302)


def registration_data(**overrides) -> dict:
    data = {
        "civilite": "M",
        "nom_naissance": "Dubois",
        "nom_usage": "",
        "identique_nom": "y",
        "prenom": "Jean",
        "date_naissance": "1975-04-12",
        "email": "jean.dubois@example.test",
        "email_confirmation": "jean.dubois@example.test",
        "password": PASSWORD_OK,
        "password_confirmation": PASSWORD_OK,
        "captcha": TEST_ANSWER,
    }
    data.update(overrides)
    return data


def submit_registration(client, url="/inscription", documents=True, **overrides):
    page = client.get(url)
    html = page.get_data(as_text=True)
    if documents:
        open_documents(client)
    data = registration_data(**overrides)
    data.setdefault("csrf_token", csrf_token_from(html))
    data.setdefault("captcha_id", hidden(html, "captcha_id"))
    return client.post("/inscription", data={k: v for k, v in data.items() if v is not None})


def last_mail(to: str) -> OutboxMessage:
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipients == to).order_by(OutboxMessage.id.desc()).limit(1)
    )
    assert message is not None, f"no e-mail to {to}"
    return message


def link_in(message: OutboxMessage) -> str:
    match = re.search(r"http://localhost(/\S+)", corps_envoye(message))
    assert match
    return match.group(1)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


@pytest.fixture(autouse=True)
def _captcha_solvable(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_TEST_ANSWER", TEST_ANSWER)


def forgot(client, email, answer=TEST_ANSWER):
    """Submit « Mot de passe oublié »; its job has run when this returns."""
    page = client.get("/mot-de-passe-oublie")
    html = page.get_data(as_text=True)
    response = client.post(
        "/mot-de-passe-oublie",
        data={
            "csrf_token": csrf_token_from(html),
            "captcha_id": hidden(html, "captcha_id"),
            "captcha": answer,
            "email": email,
        },
    )
    run_jobs(client.application)
    return response


def reset(client, link, password):
    page = client.get(link)
    return client.post(
        link,
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "password": password,
            "password_confirmation": password,
        },
    )


def _action_utilisateurs(client, action, user):
    with client.application.test_request_context():
        url = url_for("UtilisateurView.action_post")
        liste = url_for("UtilisateurView.list")
    token = csrf_token_from(client.get(liste).get_data(as_text=True))
    return client.post(url, data={"action": action, "rowid": [str(user.id)], "csrf_token": token})


def transmise(factory, structure="DR-84"):
    user, profil = factory.intervenant(structure, complet=True)
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    return user, profil


def complement_demande(factory):
    user, profil = factory.intervenant("DR-84", complet=True)
    gestionnaire = factory.gestionnaire("DR-84")
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    inscription.apply(profil, "demander_complement", Acteur.from_user(gestionnaire), "Précisez")
    db.session.commit()
    return user, profil


_REAL_UTCNOW = base.utcnow


def travel(monkeypatch, days):
    """Move the clock ``days`` after the real now (not cumulative)."""
    real = _REAL_UTCNOW()
    monkeypatch.setattr(base, "utcnow", lambda: real + timedelta(days=days))
