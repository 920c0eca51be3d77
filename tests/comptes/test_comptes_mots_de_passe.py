"""Mot de passe oublié, Changer mon mot de passe, change of e-mail (issue #3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import base
from app.models.outbox import OutboxMessage
from tests.conftest import PASSWORD, csrf_token_from, page_text, sign_in
from tests.outils import comptes
from tests.outils.annonces import count_queries
from tests.outils.comptes import forgot, last_mail, link_in, reset

# Fixtures shared with other test modules (tests/outils/comptes.py).
_captcha_solvable = comptes._captcha_solvable


def mail_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_same_answer_whether_or_not_the_address_exists(client, factory):
    user, _ = factory.intervenant()
    before = mail_count()
    known = forgot(client, user.email)
    after_known = mail_count()
    unknown = forgot(client, "personne@example.test")
    assert known.status_code == unknown.status_code == 200
    confirmation = "Un email de réinitialisation de mot de passe vient de vous être envoyé sur votre adresse email."
    assert confirmation in page_text(known) and confirmation in page_text(unknown)
    assert after_known == before + 1 and mail_count() == after_known


def test_forgot_password_does_the_same_work_for_any_address(app, client, factory, monkeypatch):
    """Issue 19, point 6 (timing): the page only enqueues one job, the same
    for a known and an unknown address; the job writes the e-mail for the
    known one only."""
    from app.jobs import comptes as comptes_jobs
    from app.views import comptes

    user, _ = factory.intervenant()
    appels = []
    monkeypatch.setattr(comptes, "enqueue", lambda func, *args, **kw: appels.append((func, args)))
    forgot(client, "chauffe@example.test")  # per-process caches filled
    appels.clear()
    before, email = mail_count(), user.email
    with count_queries() as known:
        forgot(client, email)
    with count_queries() as unknown:
        forgot(client, "personne@example.test")
    assert [a[0] for a in appels] == [comptes_jobs.envoyer_lien_reinitialisation] * 2
    assert [a[1][0] for a in appels] == [user.email, "personne@example.test"]
    assert len(known) == len(unknown) and mail_count() == before
    assert comptes_jobs.envoyer_lien_reinitialisation(*appels[0][1]) is True
    assert comptes_jobs.envoyer_lien_reinitialisation(*appels[1][1]) is False
    assert mail_count() == before + 1
    assert reset(client, link_in(last_mail(user.email)), "Nouveau-Mdp-9").status_code == 302


def test_forgot_password_requires_captcha(client, factory):
    user, _ = factory.intervenant()
    before = mail_count()
    response = forgot(client, user.email, answer="faux")
    assert response.status_code == 422 and "ne correspond pas" in page_text(response)
    assert mail_count() == before


def test_reset_link_single_use_policy_and_older_links_invalidated(app, client, factory):
    user, _ = factory.intervenant()
    forgot(client, user.email)
    first = link_in(last_mail(user.email))
    forgot(client, user.email)
    second = link_in(last_mail(user.email))
    assert first != second

    weak = reset(client, second, "faible")
    assert "8 à 24 caractères" in page_text(weak)
    assert reset(client, second, "Nouveau-Mdp-9").status_code == 302
    db.session.refresh(user)
    assert check_password_hash(user.password, "Nouveau-Mdp-9")
    # Single use, and the new password made the older link useless too.
    for link in (second, first):
        assert "a expiré ou a déjà été utilisé" in page_text(app.test_client().get(link))


def test_reset_link_expires(client, factory, monkeypatch):
    user, _ = factory.intervenant()
    forgot(client, user.email)
    link = link_in(last_mail(user.email))
    later = base.utcnow() + timedelta(hours=2, minutes=1)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    assert "a expiré ou a déjà été utilisé" in page_text(client.get(link))


def test_forged_reset_token(client):
    assert "a expiré ou a déjà été utilisé" in page_text(client.get("/mot-de-passe/reinitialiser/forge"))


def test_change_password_requires_current_one_no_mail(app, factory):
    user, _ = factory.intervenant()
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/compte/mot-de-passe")
    html = page_text(page)
    assert "Changer mon mot de passe" in html and "Mot de passe actuel *" in html
    token = csrf_token_from(page.get_data(as_text=True))
    before = mail_count()
    wrong = client.post(
        "/compte/mot-de-passe",
        data={"csrf_token": token, "mot_de_passe_actuel": "Faux-123!", "password": "Autre-Mdp-1", "password_confirmation": "Autre-Mdp-1"},
    )
    assert "Le mot de passe actuel est incorrect." in page_text(wrong)
    ok = client.post(
        "/compte/mot-de-passe",
        data={"csrf_token": token, "mot_de_passe_actuel": PASSWORD, "password": "Autre-Mdp-1", "password_confirmation": "Autre-Mdp-1"},
        follow_redirects=True,
    )
    assert "Vos changements ont été enregistrés." in page_text(ok)
    db.session.refresh(user)
    assert check_password_hash(user.password, "Autre-Mdp-1")
    assert mail_count() == before


def test_change_email_effective_after_link_old_address_told(app, factory):
    user, _ = factory.intervenant()
    old = user.email
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/compte/email")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/compte/email",
        data={"csrf_token": token, "email": "Nouvelle.Adresse@example.test", "email_confirmation": "nouvelle.adresse@example.test", "mot_de_passe_actuel": PASSWORD},
        follow_redirects=True,
    )
    assert "Un courriel vient d'être envoyé à la nouvelle adresse" in page_text(response)
    db.session.refresh(user)
    assert user.email == old  # not yet
    told = last_mail(old)
    assert "changement de l'adresse e-mail" in told.body_text and "nouvelle.adresse@example.test" not in told.body_text
    link = link_in(last_mail("nouvelle.adresse@example.test"))
    assert app.test_client().get(link).status_code == 302
    db.session.refresh(user)
    assert user.email == user.username == "nouvelle.adresse@example.test"
    assert "a expiré ou a déjà été utilisé" in page_text(app.test_client().get(link))


def test_change_email_to_an_address_in_use_refused(app, factory):
    user, _ = factory.intervenant()
    other, _ = factory.intervenant()
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/compte/email")
    response = client.post(
        "/compte/email",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": other.email.upper(), "email_confirmation": other.email, "mot_de_passe_actuel": PASSWORD},
    )
    assert "déjà utilisée par un autre compte" in page_text(response)


@pytest.mark.parametrize(("mot_de_passe", "message"), [("", "Ce champ est obligatoire."), ("Faux-123!", "Le mot de passe actuel est incorrect.")])
def test_change_email_asks_the_current_password(app, factory, mot_de_passe, message):
    """Issue 19, point 6: a borrowed session cannot take the account over by its e-mail."""
    user, _ = factory.intervenant()
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/compte/email")
    assert "Mot de passe actuel *" in page_text(page)
    before = mail_count()
    response = client.post(
        "/compte/email",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": "pirate@example.test",
              "email_confirmation": "pirate@example.test", "mot_de_passe_actuel": mot_de_passe},
    )
    assert response.status_code == 200 and message in page_text(response)
    assert mail_count() == before


def test_account_pages_need_login(client):
    for url in ("/compte/mot-de-passe", "/compte/email", "/compte/identifiants"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_fab_reset_my_password_leads_to_the_policy_form(app, factory):
    """FAB's form would change the password without the current one."""
    user, _ = factory.intervenant()
    client = app.test_client()
    sign_in(client, user)
    token = csrf_token_from(client.get("/compte/mot-de-passe").get_data(as_text=True))
    for response in (
        client.get("/resetmypassword/form"),
        client.post("/resetmypassword/form", data={"password": "x", "conf_password": "x", "csrf_token": token}),
    ):
        assert response.status_code == 302 and response.headers["Location"].endswith("/compte/mot-de-passe")
    db.session.refresh(user)
    assert check_password_hash(user.password, PASSWORD)
