"""The permission matrix's scene (one row per actor and sample ids for every URL parameter), its endpoints and their expected outcome, and ``pages_html`` (the HTML pages an actor may open: what axe-core audits and the accessibility statement counts)."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.conftest import sign_in
from tests.outils import permission_samples
from tests.outils.permission_matrix import EXPECTED, NATIONAL, NATIONAL_PREFIXES, OK


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


def routes_get(app, ordre_acteurs, exclure=lambda endpoint, rule: False) -> list:
    """The GET routes of the matrix, each with the first actor of
    ``ordre_acteurs`` allowed to open it (the crawls of every page)."""
    cas = []
    for endpoint, rule in sorted(_endpoints(app).items()):
        attendu = _expected_for(endpoint)
        if attendu is None or "GET" not in rule.methods or endpoint.endswith(".delete") or exclure(endpoint, rule):
            continue
        acteur = next((a for a in ordre_acteurs if attendu[a] == OK), None)
        if acteur is not None:
            cas.append(pytest.param(endpoint, acteur, id=endpoint))
    return cas


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

    def rattachee(self) -> Scene:
        """This scene, its rows read again in the current session (a test's:
        the module's scene was built in another one)."""
        import copy

        from sqlalchemy import inspect

        from app.extensions import db

        copie = copy.copy(self)
        for nom, valeur in vars(self).items():
            etat = inspect(valeur, raiseerr=False)
            if getattr(etat, "identity", None) is not None and hasattr(etat, "mapper"):
                setattr(copie, nom, db.session.get(type(valeur), etat.identity))
        return copie


def sample_args(scene) -> dict:
    """URL arguments by name: rows belong to structure A / to ``scene.owner``."""
    return permission_samples.build(scene)


def _url(app, rule, samples):
    args = {}
    for name in rule.arguments:
        if name not in samples:
            raise KeyError(f"{rule.endpoint}: aucune valeur d'exemple pour <{name}> (tests/outils/permission_samples.py)")
        args[name] = samples[name](rule.endpoint) if callable(samples[name]) else samples[name]
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


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
