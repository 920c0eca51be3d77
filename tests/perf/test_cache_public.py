"""Public pages kept for anonymous visitors (app.views.cache_public, issue #6):
served again without SQL, each visitor with their own working CSRF token,
never for signed-in users or pending messages, dropped after a change."""

from __future__ import annotations

import re

import pytest
from flask import flash

from app.extensions import db
from app.views import cache_public
from tests.conftest import PASSWORD, csrf_token_from, page_text
from tests.outils.annonces import count_queries, creer_annonce

PAGES = ["/", "/annonces/?specialite=&region=", "/annonces/{numero}"]


@pytest.fixture
def annonce(app):
    return creer_annonce(intitule="Annonce en cache")


@pytest.mark.parametrize("modele", PAGES)
def test_second_anonymous_visit_runs_no_sql_and_shows_the_same_page(app, annonce, modele):
    url = modele.format(numero=annonce.numero)
    premiere = app.test_client().get(url)
    with count_queries() as statements:
        seconde = app.test_client().get(url)
    assert seconde.status_code == 200 and statements == []
    assert "Annonce en cache" in page_text(seconde)
    # the same page but for the visitor's own CSRF token (cookie banner, login
    # box) and the response's own CSP nonce (issue 19: its scripts still run)
    jeton, sien = (csrf_token_from(r.get_data(as_text=True)) for r in (premiere, seconde))
    nonce, le_sien = (re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
                      for r in (premiere, seconde))
    attendu = premiere.get_data(as_text=True).replace(jeton, sien).replace(nonce, le_sien)
    assert jeton != sien and nonce != le_sien
    assert f'nonce="{le_sien}"' in seconde.get_data(as_text=True)
    assert seconde.get_data(as_text=True) == attendu


def test_each_visitor_gets_an_own_token_that_logs_in(app, factory):
    user, _ = factory.intervenant("DR-84")
    app.test_client().get("/")  # rendered and stored
    visiteurs = [app.test_client() for _ in range(2)]
    jetons = [csrf_token_from(v.get("/").get_data(as_text=True)) for v in visiteurs]
    assert jetons[0] != jetons[1] and cache_public.JETON not in jetons
    # the login box of the home page works with the token of a page served from the cache
    reponse = visiteurs[1].post("/login/", data={"username": user.email, "password": PASSWORD, "csrf_token": jetons[1]})
    assert reponse.status_code == 302
    # and another visitor's token is refused (CSRF still bound to the session)
    autre = visiteurs[0].post("/login/", data={"username": user.email, "password": PASSWORD, "csrf_token": jetons[1]})
    assert autre.status_code == 400


def test_signed_in_users_are_never_served_from_the_cache(app, login_as, annonce):
    url = f"/annonces/{annonce.numero}"
    app.test_client().get(url)
    client = login_as("gestionnaire")
    with count_queries() as statements:
        text = page_text(client.get(url))
    assert statements and "Se déconnecter" in text
    assert "Se déconnecter" not in page_text(app.test_client().get(url))


def test_a_page_showing_a_flash_message_is_neither_stored_nor_served(app, annonce):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Message à montrer une fois")]
    assert "Message à montrer une fois" in page_text(client.get("/"))
    assert "Message à montrer une fois" not in page_text(app.test_client().get("/"))
    assert "Message à montrer une fois" not in page_text(client.get("/"))


def test_consent_cookie_is_part_of_the_key(app):
    app.test_client().get("/")
    sans = page_text(app.test_client().get("/"))
    avec = app.test_client()
    avec.set_cookie("ei_consentement", "aucun")
    assert "bandeau-cookies" in sans and "bandeau-cookies" not in page_text(avec.get("/"))


def test_a_committed_change_is_shown_at_once(app, factory, annonce):
    from app.workflows.annonce import annonce as workflow_annonce
    from app.workflows.core import Acteur

    detail = f"/annonces/{annonce.numero}"
    assert "Annonce en cache" in page_text(app.test_client().get("/"))
    assert app.test_client().get(detail).status_code == 200
    annonce.intitule = "Intitulé corrigé"
    db.session.commit()
    assert "Intitulé corrigé" in page_text(app.test_client().get("/"))
    workflow_annonce.apply(annonce, "depublier", Acteur.from_user(factory.gestionnaire("DR-84")))
    db.session.commit()
    assert app.test_client().get(detail).status_code == 404
    assert "Intitulé corrigé" not in page_text(app.test_client().get("/"))


def test_unrelated_commits_keep_the_pages(app, factory):
    app.test_client().get("/")
    factory.intervenant("DR-84")  # an account: no public page shows it
    db.session.commit()
    with count_queries() as statements:
        app.test_client().get("/")
    assert statements == []


def test_entries_expire_and_zero_turns_the_cache_off(app, monkeypatch, annonce):
    temps = [1000.0]
    monkeypatch.setattr(cache_public.time, "monotonic", lambda: temps[0])
    app.test_client().get("/")
    temps[0] += app.config["CACHE_PAGES_PUBLIQUES_SECONDES"] + 1
    with count_queries() as statements:
        app.test_client().get("/")
    assert statements
    monkeypatch.setitem(app.config, "CACHE_PAGES_PUBLIQUES_SECONDES", 0)
    cache_public.vider()
    app.test_client().get("/")
    assert not cache_public._cache


def test_the_number_of_entries_is_bounded(app, monkeypatch):
    monkeypatch.setattr(cache_public, "MAX_ENTREES", 3)
    for i in range(6):
        assert app.test_client().get(f"/annonces/?numero={i}").status_code == 200
    assert len(cache_public._cache) == 3
    assert [cle[0] for cle in cache_public._cache] == [f"/annonces/?numero={i}" for i in (3, 4, 5)]


def test_error_pages_are_not_stored(app):
    assert app.test_client().get("/annonces/0000000000").status_code == 404
    assert not cache_public._cache


def test_flash_during_rendering_keeps_the_page_out(app, monkeypatch):
    from app.views import portail

    original = portail.derniere_actualites

    def avec_message(*args, **kwargs):
        flash("Information du jour")
        return original(*args, **kwargs)

    monkeypatch.setattr(portail, "derniere_actualites", avec_message)
    app.test_client().get("/")
    assert not cache_public._cache


def test_a_permission_given_to_a_role_drops_the_pages(app):
    """The public menu depends on the public role's permissions."""
    from flask_appbuilder.security.sqla.models import PermissionView, Role
    from sqlalchemy import select

    app.test_client().get("/")
    assert cache_public._cache
    public = db.session.scalar(select(Role).where(Role.name == app.config["AUTH_ROLE_PUBLIC"]))
    autre = db.session.scalar(select(PermissionView).where(PermissionView.id.not_in([p.id for p in public.permissions])))
    public.permissions.append(autre)
    db.session.commit()
    assert not cache_public._cache
