"""Bad parameters are 400, not 500 (issue 19, point 10).

Every GET route of the permission matrix is opened by an actor allowed to
see it; the parameters it takes are read from the page itself (its links'
query strings and its forms' fields, FAB's ``page_…``, ``psize_…``,
``_oc_…``, ``_flt_…`` included), then sent back holding garbage, all
together and one at a time. No answer may be a server error.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import url_for

from tests.conftest import sign_in
from tests.outils.matrice import _endpoints, _url, routes_get

GARBAGE = ("abc", "99999999999999999999", "-1", "'\"<x>%", "(((", "")
#: Parameters read by views whatever the page shows (and FAB's API's ``q``).
TOUJOURS = ("q", "next", "page", "page_size", "tri", "sens", "_flt_0_id", "id")
ORDRE_ACTEURS = ("admin_national", "gestionnaire_a", "intervenant", "anonyme")


def _parametres(html: str, chemin: str) -> set[str]:
    noms = set(TOUJOURS)
    for href in re.findall(r'(?:href|action)="([^"]*)"', html):
        parties = urlsplit(unescape(href))
        if parties.path in ("", chemin):
            noms.update(k for k, _ in parse_qsl(parties.query, keep_blank_values=True))
    noms.update(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    noms.discard("csrf_token")
    return noms


def _routes(app):
    return routes_get(app, ORDRE_ACTEURS)


def pytest_generate_tests(metafunc):
    if "route" in metafunc.fixturenames:
        from app import create_app

        metafunc.parametrize(("route", "acteur"), _routes(create_app("testing")))


def test_garbage_parameters_never_give_a_server_error(app, scene, monkeypatch, route, acteur):
    # As in the permission matrix (GET only here): the pages' own forms, without CSRF.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    rule = _endpoints(app)[route]
    url = _url(app, rule, scene.samples)
    client = app.test_client()
    if scene.user(acteur) is not None:
        sign_in(client, scene.user(acteur))
    page = client.get(url)
    page.close()  # exports are streamed: end this request before the next
    assert page.status_code < 500, url
    chemin = urlsplit(url).path
    noms = sorted(_parametres(page.get_data(as_text=True), chemin)) if page.mimetype == "text/html" else list(TOUJOURS)
    essais = [{nom: valeur for nom in noms} for valeur in GARBAGE]
    essais += [{nom: GARBAGE[0]} for nom in noms]
    for essai in essais:
        response = client.get(chemin, query_string=essai)
        response.close()
        assert response.status_code < 500, (chemin, essai, response.status_code)
    # Garbage in the path's own arguments too (integer ones: a number too big).
    for nom, convertisseur in rule._converters.items():
        entier = type(convertisseur).__name__ == "IntegerConverter"
        for valeur in (99999999999999999999,) if entier else ("created_by", "99999999999999999999", "-1"):
            with app.test_request_context():
                autre = url_for(route, **{**_arguments(rule, scene.samples), nom: valeur})
            response = client.get(autre)
            response.close()
            assert response.status_code < 500, (autre, response.status_code)


def _arguments(rule, samples) -> dict:
    return {nom: samples[nom](rule.endpoint) if callable(samples[nom]) else samples[nom] for nom in rule.arguments}


@pytest.mark.parametrize(
    "url",
    [
        "/gestion/demandes-inscription/list/?page_DemandeInscriptionView=abc",
        "/gestion/demandes-inscription/list/?psize_DemandeInscriptionView=abc",
        "/cvtheque/?region=99999999999999999999",
        "/cvtheque/?tri=nimporte",
        "/backoffice/bo_region/?page=99999999999999999999",
    ],
)
def test_the_probe_s_cases_are_400_in_french(login_as, url):
    client = login_as("admin_national")
    response = client.get(url)
    assert response.status_code == 400
    assert "Requête invalide" in response.get_data(as_text=True)
