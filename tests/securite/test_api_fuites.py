"""The REST API tells a caller only what they may see (issue 19, point 8)."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.outils.comptes import transmise


def test_info_lists_no_account_and_only_declared_fields(factory, login_as):
    factory.admin_national(first="Chefsecret", last="Cachenational")
    factory.gestionnaire("DR-11", first="Collegue", last="Dailleurs")
    transmise(factory, "DR-11")
    client = login_as("gestionnaire", "DR-84")
    for q in ("(add_columns:(user:(page:0,page_size:100)))", "(edit_columns:(user:(page:0,page_size:100)))", ""):
        response = client.get("/api/v1/intervenants/_info", query_string={"q": q} if q else {})
        assert response.status_code == 200, q
        texte = response.get_data(as_text=True)
        assert not {"Chefsecret", "Cachenational", "Dailleurs", "example.test"} & set(texte.replace('"', " ").split())
        assert "Chefsecret" not in texte and "Dailleurs" not in texte
        info = response.get_json()
        assert [c["name"] for c in info.get("add_columns", [])] in ([], ["immatriculation"])
        assert [c["name"] for c in info.get("edit_columns", [])] == ["immatriculation"]
        filtres = set(info["filters"])
        assert filtres <= {"nom_usage", "prenom", "etat_inscription", "date_transmission", "immatriculation"}
        assert not filtres & {"telephone_personnel", "portable_personnel", "adresse_voie", "user", "date_naissance"}


@pytest.mark.parametrize("colonne", ["telephone_personnel", "adresse_voie", "date_naissance", "user"])
def test_list_refuses_a_filter_on_a_hidden_column(factory, login_as, colonne):
    _, profil = transmise(factory)
    profil.telephone_personnel, profil.adresse_voie = "0611223344", "1 rue Secrète"
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    q = f"(filters:!((col:{colonne},opr:sw,value:'0')))"
    response = client.get("/api/v1/intervenants/", query_string={"q": q})
    assert response.status_code == 400


def test_list_returns_no_hidden_column_even_when_asked(factory, login_as):
    _, profil = transmise(factory)
    profil.telephone_personnel = "0611223344"
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    response = client.get("/api/v1/intervenants/", query_string={"q": "(columns:!(id,telephone_personnel))"})
    assert "0611223344" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/v1/intervenants/_info", "/api/v1/interventions/_info",
                                 "/api/v1/lettres-de-demande/_info"])
def test_info_descriptions_are_not_the_catalogue_header(login_as, url):
    """Issue 33, point 5: an empty description was translated, which gives
    gettext's catalogue header (« Project-Id-Version … »)."""
    response = login_as("admin_national").get(url)
    if response.status_code == 404:  # a route without _info
        return
    assert response.status_code == 200
    texte = response.get_data(as_text=True)
    assert "Project-Id-Version" not in texte and "Content-Type: text/plain" not in texte
    champs = [c for cle in ("add_columns", "edit_columns") for c in response.get_json().get(cle, [])]
    assert champs and all(isinstance(c["description"], str) for c in champs)
