"""Zero axe-core violation on every page of every role (issue 25 point 6,
issue 27 point 4, issue 28 point 6): every GET route of the permission
matrix that a role may open and that answers an HTML page, opened in
chromium with that role's session and the matrix's sample rows."""

from __future__ import annotations

import json
import os

import pytest

from tests.navigateur.conftest import VERROU, audit_axe, connecter
from tests.permission_matrix import ACTORS
from tests.test_permission_matrix import Scene, pages_html


@pytest.mark.parametrize("actor", ACTORS)
def test_chaque_page_sans_violation(app, factory, visite, actor):
    with VERROU:
        scene = Scene(factory)
        urls = pages_html(app, scene, actor)
    if scene.user(actor) is not None:
        connecter(visite, app, scene.user(actor))
    assert len(urls) >= 5, urls
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
