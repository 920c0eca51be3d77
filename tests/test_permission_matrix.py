"""Role × endpoint matrix: every registered view and API, probed by HTTP.

The expected outcomes live in tests/permission_matrix.py. A new endpoint
without a line there fails ``test_every_endpoint_has_an_entry``.
"""

from __future__ import annotations

import pytest
from flask import url_for

from tests import entetes_securite, permission_samples, ressources_externes
from tests.conftest import sign_in
from tests.permission_matrix import (
    ACTORS,
    DENY,
    EXPECTED,
    HIDDEN,
    INVALID_SAMPLE_SUFFIXES,
    LOGIN,
    NATIONAL,
    NATIONAL_PREFIXES,
    OK,
)


def _expected_for(endpoint: str):
    if endpoint in EXPECTED:
        return EXPECTED[endpoint]
    if endpoint.startswith(NATIONAL_PREFIXES):
        return NATIONAL
    raise KeyError(endpoint)


def _endpoints(app):
    seen = {}
    for rule in app.url_map.iter_rules():
        seen.setdefault(rule.endpoint, rule)
    return seen


def test_every_endpoint_has_an_entry(app):
    missing = []
    for endpoint in sorted(_endpoints(app)):
        try:
            _expected_for(endpoint)
        except KeyError:
            missing.append(endpoint)
    assert not missing, "Endpoints sans ligne dans tests/permission_matrix.py : " + ", ".join(missing)


def test_no_stale_entries(app):
    endpoints = _endpoints(app)
    stale = [e for e in EXPECTED if e not in endpoints]
    assert not stale, "Lignes de la matrice sans endpoint : " + ", ".join(stale)


class Scene:
    """The actors and sample rows of one probe (row owners are in structure A)."""

    def __init__(self, factory):
        self.gestionnaire_a = factory.gestionnaire("DR-84")
        self.gestionnaire_b = factory.gestionnaire("DR-11")
        self.admin_national = factory.admin_national()
        self.intervenant, self.profil = factory.intervenant("DR-84")
        self.owner, self.owner_profil = factory.intervenant("DR-84")
        # A request transmitted to structure A: staff of A see it and its files (issue 19).
        from app.extensions import db
        from app.workflows.core import Acteur
        from app.workflows.inscription import inscription

        factory.completer(self.owner_profil)
        inscription.apply(self.owner_profil, "transmettre", Acteur.from_user(self.owner))
        db.session.commit()
        self.samples = sample_args(self)

    def user(self, actor):
        return None if actor == "anonyme" else getattr(self, actor)


def sample_args(scene) -> dict:
    """URL arguments by name: rows belong to structure A / to ``scene.owner``."""
    return permission_samples.build(scene)


def _url(app, rule, samples):
    args = {}
    for name in rule.arguments:
        if name not in samples:
            raise KeyError(f"{rule.endpoint}: aucune valeur d'exemple pour <{name}> (tests/permission_samples.py)")
        args[name] = samples[name](rule.endpoint) if callable(samples[name]) else samples[name]
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def _outcome(response, is_api: bool) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (status in (302, 303) and "/login" in location):
        return LOGIN
    if status == 403:
        return DENY
    if status == 404:
        return HIDDEN
    if status in (302, 303) and not is_api:
        # FAB sends a signed-in user without permission back with a flash
        # message; anything else is a normal redirect (action done).
        return DENY if response.denied_by_fab else OK
    if status < 400:
        return OK
    return f"status {status}"


def _probe_cases(app):
    cases = []
    for endpoint in sorted(_endpoints(app)):
        expected = _expected_for(endpoint)
        if expected is None:
            continue
        for actor in ACTORS:
            cases.append(pytest.param((endpoint, actor, expected[actor]), id=f"{endpoint}-{actor}"))
    return cases


def pytest_generate_tests(metafunc):
    if "probe" in metafunc.fixturenames:
        from app import create_app

        app = create_app("testing")
        metafunc.parametrize("probe", _probe_cases(app))


def test_access(app, factory, monkeypatch, probe):
    endpoint, actor, expected = probe
    # The matrix is about authorization: CSRF is tested on its own elsewhere.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    scene = Scene(factory)
    rule = _endpoints(app)[endpoint]
    url = _url(app, rule, scene.samples)
    client = app.test_client()
    user = scene.user(actor)
    if user is not None:
        sign_in(client, user)
    # Deletions are probed by POST: FAB refuses GET mutations when CSRF is on.
    method = next(m for m in ("GET", "POST", "PUT", "DELETE") if m in rule.methods)
    if method == "GET" and endpoint.endswith(".delete"):
        method = "POST"
    if method == "PUT":  # FAB's REST API: JSON body
        response = client.open(url, method=method, json=permission_samples.put_json(endpoint, scene))
    else:
        data = permission_samples.post_data(endpoint, scene) if method == "POST" else None
        response = client.open(url, method=method, data=data)
    response.denied_by_fab = False
    if response.status_code in (302, 303):
        with client.session_transaction() as session:
            flashes = session.get("_flashes", [])
        response.denied_by_fab = any("Access is Denied" in str(m) or "Accès refusé" in str(m) for _, m in flashes)
    is_api = rule.rule.startswith("/api/")
    outcome = _outcome(response, is_api)
    if expected == LOGIN and outcome == DENY and actor == "anonyme":
        outcome = LOGIN  # FAB's bulk actions refuse anonymous users with a flash, not the login page
    if expected == OK and endpoint.endswith(INVALID_SAMPLE_SUFFIXES) and response.status_code in (400, 404):
        outcome = OK
    assert outcome == expected, f"{method} {url} as {actor}: {response.status_code} {response.headers.get('Location', '')}"
    entetes_securite.verifier(response, connecte=user is not None, quoi=f"{method} {url} as {actor}")
    ressources_externes.verifier(response, quoi=f"{method} {url} as {actor}")


def pages_html(app, scene, actor) -> list[str]:
    """The URLs of the HTML pages ``actor`` may open (checked with the test
    client): those axe-core audits (tests/navigateur) and the accessibility
    statement counts."""
    client = app.test_client()
    user = scene.user(actor)
    if user is not None:
        sign_in(client, user)
    urls = []
    for endpoint, rule in sorted(_endpoints(app).items()):
        attendu = _expected_for(endpoint)
        if attendu is None or attendu[actor] != OK or "GET" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        if endpoint.endswith((".delete", ".action_post", ".ajax_lookup", ".ajax_update")):
            continue
        url = _url(app, rule, scene.samples)
        reponse = client.get(url)
        if reponse.status_code == 200 and reponse.mimetype == "text/html":
            urls.append(url)
    return urls
