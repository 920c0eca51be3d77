"""Edit rules after validation and the intervenant menu (issue #4)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.referentiels import Structure
from tests.conftest import page_text, sign_in
from tests.outils.profil import identification_data


def _valider(profil, immatriculation=None):
    # Set-up only: the state is written directly to reach the validated case.
    profil.etat_inscription = EtatInscription.validee
    profil.immatriculation = immatriculation
    db.session.commit()


def test_validated_without_immatriculation_all_but_structure(factory, client):
    user, profil = factory.intervenant("DR-84")
    _valider(profil)
    sign_in(client, user)
    other = db.session.scalar(select(Structure.id).where(Structure.code == "DR-11"))
    data = identification_data(client, structure_id=str(other), lieu_naissance="Arles")
    assert client.post("/profil/identification", data=data).status_code == 302
    db.session.refresh(profil)
    assert profil.lieu_naissance == "Arles"
    assert profil.structure.code == "DR-84"


def test_immatriculated_identity_read_only_parcours_editable(factory, client):
    user, profil = factory.intervenant("DR-84")
    profil.lieu_naissance = "Avignon"
    _valider(profil, immatriculation="IMM-0001")
    sign_in(client, user)
    page = page_text(client.get("/profil/identification"))
    assert "ne sont pas modifiables" in page
    data = identification_data(client, lieu_naissance="Ailleurs", telephone_personnel="0102030405",
                               disponible_etranger="oui")
    r = client.post("/profil/identification", data=data)
    assert r.status_code == 302
    db.session.refresh(profil)
    assert profil.lieu_naissance == "Avignon"
    assert profil.telephone_personnel is None
    assert profil.disponible_etranger is True  # zone d'intervention stays editable
    assert client.get("/profil/parcours/langues/ajouter").status_code == 200


def test_menu_after_validation_only(factory, client):
    from app.views.profil import menu_inscription_visible

    class Item:
        name = "Mes réponses aux annonces"

    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    with client:
        client.get("/profil/parcours")
        assert menu_inscription_visible(Item()) is False
    _valider(profil)
    with client:
        client.get("/profil/parcours")
        assert menu_inscription_visible(Item()) is True
