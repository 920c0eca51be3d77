"""Contextual help of the manual (§1.2, issue 25 point 5): tooltips tied to
their field (``aria-describedby``, shown on hover and focus), « en savoir
plus » as a modal dialog, texts of the manual."""

from __future__ import annotations

import re

import pytest

from app.aides import AIDES
from tests.conftest import page_text, sign_in
from tests.test_dossier_pages import _demander, scene  # noqa: F401 - the dossier's fixture


@pytest.fixture
def intervenant(app, factory):
    user, _ = factory.intervenant("DR-84")
    client = app.test_client()
    sign_in(client, user)
    return client


def _bulle(html: str, cle: str) -> str:
    match = re.search(rf'<button type="button" class="aide-bouton" aria-describedby="aide-{cle}-bulle">.*?'
                      rf'<span role="tooltip" id="aide-{cle}-bulle" class="aide-bulle">(.*?)</span>', html, re.S)
    assert match, cle
    return match.group(1)


def test_identification_statut_and_structure(intervenant):
    html = page_text(intervenant.get("/profil/identification"))
    assert _bulle(html, "statut_professionnel_id") == AIDES["statut_professionnel_id"].infobulle
    assert _bulle(html, "code_postal").startswith("Le code postal est normé pour la France.")
    assert _bulle(html, "structure_id") == "Sélectionner votre structure de rattachement"
    assert 'title="cliquer pour en savoir plus"' in html
    dialogue = re.search(r'<dialog id="aide-structure_id-dialogue" class="aide-dialogue" aria-labelledby="aide-structure_id-titre">(.*?)</dialog>', html, re.S)
    assert dialogue and "votre structure de rattachement sera votre interlocuteur privilégié" in dialogue.group(1)
    assert 'data-fermer-dialogue>Fermer</button>' in dialogue.group(1)


def test_parcours_alerts_and_experience(intervenant):
    html = page_text(intervenant.get("/profil/parcours"))
    assert "Le troisième critère est restrictif." in html
    assert 'data-ouvrir-dialogue="aide-alertes-dialogue"' in html
    assert 'data-ouvrir-dialogue="aide-deja_forme-dialogue"' in html


def test_dossier_nir_and_iban(scene, factory):  # noqa: F811
    user, profil, trainer, staff, _ = scene
    _demander(staff, profil, ["securite_sociale", "bancaire"])
    html = page_text(trainer.get("/mon-dossier/"))
    assert _bulle(html, "nir").startswith("Le NIR (n° de sécurité sociale) doit comporter 15 caractères")
    assert _bulle(html, "iban") == "Le code IBAN doit comporter 27 caractères s'il s'agit d'une banque domiciliée en France."


def test_no_help_no_markup(app):
    from app.aides import aide

    with app.test_request_context():
        assert aide("champ_sans_aide") == ""
