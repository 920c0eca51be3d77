"""Reads of personal data traced and minimised (issue 19, point 7)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.annonces import Candidature
from app.models.consultations import Consultation
from tests.conftest import page_text
from tests.outils.annonces import creer_annonce
from tests.outils.profil import valide

PERSONNEL = ("06 11 22 33 44", "12 rue des Lilas", "14/07/1975")


def _profil_valide(factory):
    profil = valide(factory, "DR-84", texte="Traçabilité des lectures")
    profil.portable_personnel, profil.adresse_voie = PERSONNEL[0], PERSONNEL[1]
    profil.date_naissance = date(1975, 7, 14)
    profil.telephone_professionnel = "04 90 00 00 01"
    db.session.commit()
    return profil


def _journal() -> list[Consultation]:
    return list(db.session.scalars(select(Consultation).order_by(Consultation.id)))


def test_profile_page_and_export_are_journaled_and_shown_to_national_admins(factory, login_as):
    profil = _profil_valide(factory)
    client = login_as("gestionnaire", "DR-11")
    assert client.get(f"/cvtheque/profil/{profil.id}").status_code == 200
    assert client.get("/cvtheque/export.xlsx", query_string={"q": "traçabilité"}).status_code == 200
    profil_lu, export = _journal()
    assert (profil_lu.objet, profil_lu.intervenant_id, profil_lu.ip) == ("profil", profil.id, "127.0.0.1")
    assert profil_lu.user_id == client.user.id and profil_lu.date is not None
    assert export.objet == "export" and export.user_id == client.user.id
    assert export.detail.startswith("1 profil(s)") and "q=tra" in export.detail
    console = login_as("admin_national")
    page = page_text(console.get("/backoffice/bo_consultation/"))
    assert client.user.email in page and "Profil (CV-thèque)" in page and "Export de la CV-thèque" in page
    assert console.get("/backoffice/bo_acces_fichier/").status_code == 200
    assert login_as("gestionnaire", "DR-84").get("/backoffice/bo_consultation/").status_code == 403


@pytest.mark.parametrize(
    ("role", "structure", "candidature", "visibles"),
    [
        ("gestionnaire", "DR-84", False, True),  # rattachement
        ("gestionnaire", "DR-11", False, False),  # no relation: professional profile only
        ("gestionnaire", "DR-11", True, True),  # a candidature to one of its annonces
        ("admin_national", "DR-84", False, True),
    ],
)
def test_personal_details_only_for_a_structure_in_relation(factory, login_as, role, structure, candidature, visibles):
    profil = _profil_valide(factory)
    if candidature:
        annonce = creer_annonce("DR-11")
        db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=profil.id, commentaire="Intéressé"))
        db.session.commit()
    client = login_as(role, structure)
    page = page_text(client.get(f"/cvtheque/profil/{profil.id}"))
    assert profil.nom_usage in page and "04 90 00 00 01" in page  # the professional profile
    for valeur in (*PERSONNEL, profil.user.email):
        assert (valeur in page) is visibles, valeur
    assert ("Réservées aux structures en relation" in page) is not visibles
