"""Accounts created by the back office: gestionnaire screen and REST API (issue #3)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.authentification import EtatCompte, EtatCompteUtilisateur
from app.models.comptes import Intervenant
from tests.conftest import csrf_token_from, page_text
from tests.outils.comptes import last_mail, link_in, user_by_email

PERSONNE = {
    "civilite": "Mme",
    "nom_naissance": "Martin",
    "prenom": "Claire",
    "date_naissance": "1982-09-30",
    "email": "claire.martin@example.test",
}


def test_gestionnaire_screen_creates_account_in_own_structure(app, factory, login_as):
    client = login_as("gestionnaire", "DR-84")
    page = client.get("/gestion/comptes/creer")
    assert page.status_code == 200
    response = client.post(
        "/gestion/comptes/creer",
        data={**PERSONNE, "identique_nom": "y", "csrf_token": csrf_token_from(page.get_data(as_text=True))},
        follow_redirects=True,
    )
    assert "Le compte a été créé" in page_text(response)
    user = user_by_email(PERSONNE["email"])
    profil = db.session.scalar(select(Intervenant).where(Intervenant.user_id == user.id))
    assert profil.structure_id == factory.structure("DR-84").id
    assert db.session.get(EtatCompte, user.id).etat == EtatCompteUtilisateur.a_personnaliser

    # The person confirms the address and personalises the password.
    link = link_in(last_mail(PERSONNE["email"]))
    person = app.test_client()
    form = person.get(link)
    assert form.status_code == 200
    done = person.post(
        link,
        data={"csrf_token": csrf_token_from(form.get_data(as_text=True)), "password": "Claire-2025!", "password_confirmation": "Claire-2025!"},
    )
    assert done.status_code == 302
    assert db.session.get(EtatCompte, user.id).etat == EtatCompteUtilisateur.actif
    assert "a expiré ou a déjà été utilisé" in page_text(app.test_client().get(link))
    # Duplicate: refused next to the field.
    page = client.get("/gestion/comptes/creer")
    again = client.post(
        "/gestion/comptes/creer",
        data={**PERSONNE, "email": "autre@example.test", "identique_nom": "y", "csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )
    assert "existe déjà" in page_text(again)


def api_post(client, payload):
    """Browser-session API calls carry the CSRF token (header), like the UI."""
    token = csrf_token_from(client.get("/compte/mot-de-passe").get_data(as_text=True))
    return client.post("/api/v1/comptes/", json=payload, headers={"X-CSRFToken": token})


def test_api_without_csrf_token_refused_for_session_auth(app, login_as):
    client = login_as("gestionnaire", "DR-11")
    assert client.post("/api/v1/comptes/", json=PERSONNE).status_code == 400
    assert user_by_email(PERSONNE["email"]) is None


def test_api_creates_account_for_own_structure(app, factory, login_as):
    client = login_as("gestionnaire", "DR-11")
    response = api_post(client, PERSONNE)
    assert response.status_code == 201, response.get_json()
    profil = db.session.get(Intervenant, response.get_json()["id"])
    assert profil.structure_id == factory.structure("DR-11").id
    assert last_mail(PERSONNE["email"]).subject == "Votre compte sur l'Espace intervenants"
    duplicate = api_post(client, {**PERSONNE, "email": "CLAIRE.MARTIN@example.test"})
    assert duplicate.status_code == 409
    invalid = api_post(client, {**PERSONNE, "email": "pas-une-adresse", "nom_naissance": "<b>x</b>"})
    assert invalid.status_code == 400 and "email" in invalid.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Intervenant).where(Intervenant.nom_naissance == "<b>x</b>")) == 0


def test_api_refused_to_intervenants_and_anonymous(app, login_as):
    assert api_post(login_as("intervenant"), PERSONNE).status_code == 403
    assert app.test_client().post("/api/v1/comptes/", json=PERSONNE).status_code == 401
    assert user_by_email(PERSONNE["email"]) is None


def test_national_admin_api_chooses_structure(app, factory, login_as):
    client = login_as("admin_national")
    response = api_post(client, {**PERSONNE, "structure": "DR-11"})
    assert response.status_code == 201
    assert db.session.get(Intervenant, response.get_json()["id"]).structure_id == factory.structure("DR-11").id
