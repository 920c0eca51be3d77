"""Exports without formula injection (issue 19, point 4)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.infra.exports import neutraliser
from app.models.referentiels import Region
from tests.conftest import page_text, sign_in
from tests.outils.profil import identification_data, valide

FORMULE = '=HYPERLINK("http://pirate.example/","Cliquer")'


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Claire", "Claire"), ("Jean-Marc", "Jean-Marc"), ("", ""), (None, None), (3, 3)],
)
def test_neutraliser(valeur, attendu):
    assert neutraliser(valeur) == attendu


def test_cvtheque_export_writes_a_formula_like_value_as_text(factory, login_as):
    profil = valide(factory, texte="Export formule")
    profil.prenom, profil.localite = FORMULE, "@Avignon"
    db.session.commit()
    response = login_as("gestionnaire", "DR-11").get("/cvtheque/export.xlsx", query_string={"q": "formule"})
    assert response.status_code == 200
    feuille = zipfile.ZipFile(io.BytesIO(response.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in feuille and 't="inlineStr"' in feuille
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows())
    cellules = {c.value: c.data_type for c in rows[1]}
    assert cellules[FORMULE] == "s" and cellules["@Avignon"] == "s"


def test_console_export_neutralises_formulas(login_as):
    region = db.session.get(Region, db.session.scalar(db.select(Region.id).where(Region.code == "11")))
    region.nom = "=1+2"
    db.session.commit()
    client = login_as("admin_national")
    text = client.get("/backoffice/bo_region/export/csv/").get_data(as_text=True)
    assert "11,'=1+2," in text
    sheet = load_workbook(io.BytesIO(client.get("/backoffice/bo_region/export/xlsx/").get_data())).active
    assert "'=1+2" in [c.value for row in sheet.iter_rows() for c in row]


@pytest.mark.parametrize("champ", ["nom_naissance", "nom_usage", "prenom"])
def test_profile_form_applies_the_registration_name_rules(factory, client, champ):
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    response = client.post("/profil/identification", data=identification_data(client, **{champ: FORMULE}))
    assert "Seuls les lettres, espaces, apostrophes et tirets sont acceptés." in page_text(response)
    db.session.refresh(profil)
    assert FORMULE not in (profil.nom_naissance, profil.nom_usage, profil.prenom)
