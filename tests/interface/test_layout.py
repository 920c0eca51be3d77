"""The base layout: French, accessible, the same shell on every page."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from app.infra.formatting import format_date
from tests.conftest import page_text

FOOTER = ("Accessibilité", "Plan d'accès", "Mentions légales", "Aide et Contact")


@pytest.mark.parametrize("url", ["/", "/accessibilite", "/plan-acces", "/mentions-legales", "/aide-et-contact", "/login/"])
def test_public_pages_share_the_accessible_shell(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = page_text(response)
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html  # skip link and its target
    assert '<main id="contenu"' in html
    assert 'role="banner"' in html and 'role="contentinfo"' in html
    assert 'aria-label="Menu principal"' in html
    for label in FOOTER:
        assert label in html


def test_login_form_is_french_with_labels_bound_to_inputs(client):
    html = page_text(client.get("/login/"))
    assert "Nom d'utilisateur" in html or "Identifiant" in html
    for field in ("username", "password"):
        assert re.search(rf'<label[^>]*for="{field}"', html), field
        assert re.search(rf'<input[^>]*id="{field}"', html), field


def test_fab_pages_use_the_project_layout(login_as):
    html = page_text(login_as("gestionnaire").get("/gestion/demandes-inscription/list/"))
    assert '<main id="contenu"' in html
    assert "Se déconnecter" in html
    for label in FOOTER:
        assert label in html


def test_flash_messages_are_announced(client):
    client.get("/gestion/demandes-inscription/list/")  # anonymous: FAB flashes and redirects
    html = page_text(client.get("/login/"))
    assert 'role="status"' in html


def test_dates_are_shown_dd_mm_yyyy(factory, login_as):
    from app.models.comptes import EtatInscription

    _, profil = factory.intervenant("DR-84")
    profil.date_transmission = datetime(2026, 3, 9, 14, 5)
    profil.etat_inscription = EtatInscription.transmise  # a draft is not shown to staff (issue 19)
    client = login_as("gestionnaire", "DR-84")
    html = page_text(client.get(f"/gestion/demandes-inscription/show/{profil.id}"))
    assert "17/05/1980" in html  # date de naissance
    assert "09/03/2026 15:05" in html  # stored UTC, shown in Paris time (UTC+1 in March)
    assert format_date(datetime(2026, 1, 2).date()) == "02/01/2026"
    assert format_date(datetime(2026, 7, 2, 22, 30)) == "03/07/2026 00:30"  # summer: UTC+2


def test_template_messages_come_from_the_french_catalogue(app):
    """Templates' ``_()`` is Flask-Babel's own callable (issue 36 point 5: the
    cached copy of app.infra.formatting saved nothing measurable)."""
    from app.infra import formatting

    assert not hasattr(formatting, "_traduire")
    with app.test_request_context():
        rendu = app.jinja_env.from_string("{{ _('Search') }} / {{ _('Search') }}").render()
    assert rendu == "Rechercher / Rechercher"


def test_layout_urls_kept_per_process_follow_the_application_root(app):
    """The layout's fixed URLs are url_for's, per application root: the same
    process mounted under a prefix links its files under that prefix."""
    from flask import url_for

    from app.views.urls import _cache, url_fixe

    _cache.clear()
    for racine in ("", "/portail", ""):
        with app.test_request_context("/", base_url=f"http://localhost{racine}"):
            for endpoint, values in (("static", {"filename": "css/espace.css"}), ("PagesView.cookies", {})):
                assert url_fixe(endpoint, **values) == url_for(endpoint, **values)
                assert url_fixe(endpoint, **values).startswith(racine + "/")
    assert len(_cache) == 4
