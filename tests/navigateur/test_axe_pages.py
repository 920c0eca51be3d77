"""Zero axe-core violation on every page of every role (issue 25 point 6,
issue 27 point 4, issue 28 point 6): every GET route of the permission
matrix that a role may open and that answers an HTML page, opened in
chromium with that role's session and the matrix's sample rows.

Each distinct page is audited once per role: gestionnaire_b (the same role
as gestionnaire_a, another structure) is audited on the pages
gestionnaire_a does not open."""

from __future__ import annotations

import json
import os

import pytest

from tests.navigateur.conftest import VERROU, audit_axe, connecter
from tests.outils.matrice import pages_html
from tests.outils.permission_matrix import ACTORS

#: The actor whose pages another actor of the same role need not audit again.
MEME_ROLE = {"gestionnaire_b": "gestionnaire_a"}
#: The national admin's pages (the console's) are the most: in two halves, one per worker.
CAS = [pytest.param(a, None, id=a) for a in ACTORS if a != "admin_national"] + [
    pytest.param("admin_national", moitie, id=f"admin_national-{moitie + 1}/2") for moitie in (0, 1)]


@pytest.mark.parametrize(("actor", "moitie"), CAS)
def test_chaque_page_sans_violation(app, scene, visite, actor, moitie):
    with VERROU:
        urls = pages_html(app, scene, actor)
        deja = set(pages_html(app, scene, MEME_ROLE[actor])) if actor in MEME_ROLE else set()
    if scene.user(actor) is not None:
        connecter(visite, app, scene.user(actor))
    assert len(urls) >= 5, urls
    urls = [u for u in urls if u not in deja]
    if moitie is not None:
        urls = urls[moitie::2]
    if filtre := os.environ.get("AXE_PAGES"):  # a developer's run on some pages: AXE_PAGES=/gestion/
        urls = [u for u in urls if filtre in u]
    echecs = {}
    for url in urls:
        visite.page.goto(visite.base_url + url)
        visite.page.wait_for_load_state("load")
        visite.verifiees.add(visite.page.url.split("#")[0])
        if violations := audit_axe(visite.page):
            echecs[url] = violations
    assert not echecs, f"{len(echecs)}/{len(urls)} pages en défaut :\n" + json.dumps(echecs, ensure_ascii=False, indent=1)


def test_axe_est_dans_la_page_des_son_chargement(visite):
    """The init script runs under the page's CSP (no inline script allowed):
    axe-core is there before any evaluation by the test."""
    reponse = visite.page.goto(visite.base_url + "/accessibilite")
    csp = reponse.headers.get("content-security-policy", "")
    assert "script-src" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], csp
    assert visite.page.evaluate("typeof window.axe") == "object"
    assert visite.page.evaluate("axe.version").startswith("4.")
    visite.verifier()
