"""Role × endpoint matrix: every registered view and API, probed by HTTP.

The expected outcomes live in tests/outils/permission_matrix.py. A new endpoint
without a line there fails ``test_every_endpoint_has_an_entry``.
"""

from __future__ import annotations

import pytest

from tests.conftest import annule_apres, sign_in
from tests.outils import entetes_securite, permission_samples, ressources_externes
from tests.outils.matrice import _endpoints, _expected_for, _url
from tests.outils.permission_matrix import (
    ACTORS,
    DENY,
    EXPECTED,
    HIDDEN,
    INVALID_SAMPLE_SUFFIXES,
    LOGIN,
    NATIONAL_PREFIXES,
    OK,
)


def test_every_endpoint_has_an_entry(app):
    missing = []
    for endpoint in sorted(_endpoints(app)):
        try:
            _expected_for(endpoint)
        except KeyError:
            missing.append(endpoint)
    assert not missing, "Endpoints sans ligne dans tests/outils/permission_matrix.py : " + ", ".join(missing)


def test_no_stale_entries(app):
    endpoints = _endpoints(app)
    stale = [e for e in EXPECTED if e not in endpoints]
    assert not stale, "Lignes de la matrice sans endpoint : " + ", ".join(stale)


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


def _probe_cases(app, console: bool):
    """(endpoint, actor, expected) of every endpoint outside the console, or
    (actor, [(endpoint, expected)…]) of the console's endpoints, by actor."""
    cases, par_acteur = [], {actor: [] for actor in ACTORS}
    for endpoint in sorted(_endpoints(app)):
        expected = _expected_for(endpoint)
        if expected is None:
            continue
        for actor in ACTORS:
            if endpoint.startswith(NATIONAL_PREFIXES) and endpoint not in EXPECTED:
                par_acteur[actor].append((endpoint, expected[actor]))
            else:
                cases.append(pytest.param((endpoint, actor, expected[actor]), id=f"{endpoint}-{actor}"))
    if console:
        return [pytest.param((actor, attendus), id=actor) for actor, attendus in par_acteur.items()]
    return cases


def pytest_generate_tests(metafunc):
    for nom in ("probe", "console"):
        if nom in metafunc.fixturenames:
            from app import create_app

            app = create_app("testing")
            metafunc.parametrize(nom, _probe_cases(app, console=nom == "console"))


def _sonder(app, scene, endpoint: str, actor: str, expected: str) -> str | None:
    """What is wrong with ``actor``'s request on ``endpoint`` (outcome,
    security headers, external resources), None when nothing is."""
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
    quoi = f"{method} {url} as {actor}"
    if outcome != expected:
        return f"{quoi}: {response.status_code} {response.headers.get('Location', '')} ({outcome}, attendu {expected})"
    try:
        entetes_securite.verifier(response, connecte=user is not None, quoi=quoi)
        ressources_externes.verifier(response, quoi=quoi)
    except AssertionError as exc:
        return str(exc)
    return None


def test_access(app, scene, monkeypatch, probe):
    endpoint, actor, expected = probe
    # The matrix is about authorization: CSRF is tested on its own elsewhere.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    erreur = _sonder(app, scene, endpoint, actor, expected)
    assert erreur is None, erreur


def test_console_access(app, scene, monkeypatch, console):
    """The console's endpoints (NATIONAL_PREFIXES) share one rule: each is
    probed for the actor in one loop, each probe rolled back, and the failure
    names every endpoint that went wrong."""
    actor, attendus = console
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert len(attendus) > 100, "la console n'a plus ses vues ?"
    erreurs = []
    for endpoint, expected in attendus:
        with annule_apres():
            if erreur := _sonder(app, scene, endpoint, actor, expected):
                erreurs.append(f"{endpoint}: {erreur}")
    assert not erreurs, f"{len(erreurs)}/{len(attendus)} sondes de la console en défaut :\n" + "\n".join(erreurs)


