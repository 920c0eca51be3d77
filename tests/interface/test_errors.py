"""Domain errors become clear French messages, never a 500."""

from __future__ import annotations

from flask import get_flashed_messages

from app.infra.errors import handle_workflow_error
from app.workflows.core import GardeRefusee, TransitionInterdite
from tests.conftest import page_text


def test_workflow_error_on_a_page_is_flashed_and_redirects_back(app):
    with app.test_request_context("/gestion/x", headers={"Referer": "http://localhost/mentions-legales"}):
        response = handle_workflow_error(TransitionInterdite("Action impossible : la demande est déjà validée."))
        assert response.status_code == 302
        assert response.headers["Location"] == "http://localhost/mentions-legales"
        assert get_flashed_messages(with_categories=True) == [
            ("danger", "Action impossible : la demande est déjà validée.")
        ]


def test_workflow_error_never_redirects_off_site(app):
    with app.test_request_context("/gestion/x", headers={"Referer": "https://evil.example/"}):
        response = handle_workflow_error(TransitionInterdite("Non."))
        assert response.headers["Location"] == "/"


def test_workflow_error_on_the_api_is_json(app):
    with app.test_request_context("/api/v1/x"):
        response, status = handle_workflow_error(GardeRefusee("Cette demande est adressée à une autre structure."))
        assert status == 403
        assert response.get_json() == {"message": "Cette demande est adressée à une autre structure."}
    with app.test_request_context("/api/v1/x"):
        _, status = handle_workflow_error(TransitionInterdite("Non."))
        assert status == 409


def test_french_error_pages(client, login_as):
    response = client.get("/page-qui-n-existe-pas")
    assert response.status_code == 404
    assert "Page introuvable" in page_text(response)
    response = login_as("gestionnaire").get("/backoffice/")
    assert response.status_code == 403
    assert "Accès refusé" in page_text(response)
