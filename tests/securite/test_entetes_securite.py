"""Security headers (issue 19, point 5). Every route × actor of the permission
matrix is checked by tests/securite/test_permission_matrix.py (tests/outils/entetes_securite.py);
here the pages the matrix reaches only empty or not at all."""

from __future__ import annotations

from datetime import date

import pytest

from tests.outils.entetes_securite import directives, verifier
from tests.outils.profil import valide


def test_public_page_headers_without_no_store_for_visitors(client):
    response = client.get("/")
    verifier(response, connecte=False, quoi="/")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_export_and_profile_page_are_not_cached(factory, login_as):
    profil = valide(factory, texte="Entêtes")
    client = login_as("gestionnaire", "DR-11")
    for url in ("/cvtheque/export.xlsx", f"/cvtheque/profil/{profil.id}", "/cvtheque/?q=ent%C3%AAtes"):
        verifier(client.get(url), connecte=True, quoi=url)


@pytest.mark.parametrize("url", ["/backoffice/bo_outbox/", "/backoffice/bo_region/", "/backoffice/bo_region/edit/?id=1"])
def test_console_pages_run_no_inline_handler(login_as, url):
    """flask-admin's bulk actions and delete confirmation are bound by
    /static/js/console.js, its scripts carry the nonce."""
    response = login_as("admin_national").get(url)
    assert response.status_code == 200
    verifier(response, connecte=True, quoi=url)
    html = response.get_data(as_text=True)
    assert '<script nonce="' in html or "nonce=" in html
    assert "/static/js/console.js" in html


def test_console_bulk_action_and_delete_confirmation_are_data_attributes(login_as):
    from app.extensions import db
    from app.models.contenus import Actualite

    db.session.add(Actualite(titre="Actualité entêtes", resume="Résumé", corps="Texte", date_publication=date.today()))
    db.session.commit()
    client = login_as("admin_national")
    html = client.get("/backoffice/bo_outbox/").get_data(as_text=True)
    assert 'data-action-console="renvoyer"' in html
    html = client.get("/backoffice/bo_actualite/").get_data(as_text=True)
    assert "data-confirmation-console=" in html and "onclick" not in html


def test_csp_has_no_inline_script_source(client):
    politique = directives(client.get("/login/").headers["Content-Security-Policy"])
    assert politique["frame-ancestors"] == "'none'" and politique["object-src"] == "'none'"
    assert "'nonce-" in politique["script-src"] and "'unsafe-inline'" not in politique["script-src"]
