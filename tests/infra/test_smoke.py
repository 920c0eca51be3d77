from tests.conftest import login, page_text


def test_home_page_is_public_and_french(client):
    response = client.get("/")
    assert response.status_code == 200
    html = page_text(response)
    assert "Espace Intervenants" in html
    for label in ("Accessibilité", "Plan d'accès", "Mentions légales", "Aide et Contact"):
        assert label in html


def test_login_and_menu_depends_on_role(client, factory):
    user = factory.gestionnaire("DR-84")
    login(client, user.email)
    html = page_text(client.get("/"))
    assert "Demandes d'inscription" in html
    assert "Console d'administration" not in html
