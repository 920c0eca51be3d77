"""Accessibility checks that run without a browser (issue 25 point 6,
issue 27 point 4); axe-core itself runs in tests/navigateur/."""

from __future__ import annotations

import re

from tests.conftest import page_text
from tests.test_annonces import creer_annonce


def test_statement_shows_the_measured_state(client):
    html = page_text(client.get("/accessibilite"))
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    assert "axe-core 4.14.1" in html and "<strong>0 violation</strong>" in html
    assert "non conforme" in html and "Défenseur des droits" in html
    assert re.search(r"soit \d+ pages", html)


def test_generated_lists_have_a_heading_labelled_checkboxes_and_named_headers(login_as):
    creer_annonce()
    html = page_text(login_as("gestionnaire").get("/gestion/annonces/list/"))
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'id="check_all" class="action_check_all" name="check_all" type="checkbox" aria-label="Sélectionner toutes les lignes"' in html
    assert re.search(r'class="action_check" name="rowid" value="\d+" type="checkbox" aria-label="Sélectionner la ligne : [^"]+"', html)
    assert not re.search(r"<th[^>]*>\s*</th>", html)
    assert '<h2 class="panel-title">' in html  # the search panel under the level-one heading


def test_generated_forms_have_a_level_one_heading(login_as):
    client = login_as("admin_national")
    for url in ("/gestion/annonces/add", "/users/list/", "/roles/add"):
        html = page_text(client.get(url))
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        assert '<main id="contenu"' in html, url


def test_console_lists_label_their_checkboxes_and_toggles(login_as):
    html = page_text(login_as("admin_national").get("/backoffice/bo_structure/"))
    assert 'class="action-rowtoggle" aria-label="Sélectionner toutes les lignes"' in html
    assert re.search(r'class="action-checkbox" value="\d+"\s+aria-label="Sélectionner la ligne : [^"]+"', html)
    assert re.search(r'aria-label="Actif : (oui|non) \(modifier\)"', html)
    assert not re.search(r"<th[^>]*>(\s|&nbsp;)*</th>", html)


def test_statement_counts_the_pages_axe_core_audits(app, scene):
    """The statement's page counts are those tests/navigateur audits, role by
    role: a page added or removed since the measure fails here until the
    statement is measured again (``make test-navigateur``)."""
    from app.views.portail import MESURE_ACCESSIBILITE
    from tests.permission_matrix import ACTORS
    from tests.test_permission_matrix import pages_html

    mesurees = [len(pages_html(app, scene, actor)) for actor in ACTORS]
    assert mesurees == [n for _, n in MESURE_ACCESSIBILITE["pages"]]
