"""Contextual help of the manual (§1.2, issue 25 point 5): tooltips tied to
their field (``aria-describedby``, shown on hover and focus), « en savoir
plus » as a modal dialog, texts of the manual."""

from __future__ import annotations

import re

import pytest

from app.operations.aides import AIDES
from tests.conftest import page_text, sign_in
from tests.outils.dossier import _demander, scene  # noqa: F401 - the dossier's fixture


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
    from app.operations.aides import aide

    with app.test_request_context():
        assert aide("champ_sans_aide") == ""


#: Text glyphs used as icons (circled letters, geometric shapes, arrows,
#: dingbats, pictographs): drawn by the user's fonts, an empty box where they
#: lack them (issue 40 point 6).
GLYPHES_ICONES = re.compile("[\u2190-\u21ff\u2460-\u24ff\u25a0-\u25ff\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]")


def test_help_icon_is_an_svg_with_its_name_unchanged(intervenant):
    html = page_text(intervenant.get("/profil/identification"))
    bouton = re.search(r'<button type="button" class="aide-bouton" aria-describedby="aide-statut_professionnel_id-bulle">(.*?)</button>', html, re.S)
    assert bouton, "bouton d'aide absent"
    assert re.search(r'<svg class="icone icone-information" aria-hidden="true" focusable="false"[^>]*>.*?</svg>', bouton.group(1), re.S)
    assert "ⓘ" not in html
    assert re.sub(r"<svg.*?</svg>", "", bouton.group(1), flags=re.S) == '<span class="sr-only">Aide : Statut professionnel</span>'


def test_no_template_draws_an_icon_with_a_text_glyph():
    from pathlib import Path

    import app as paquet

    racine = Path(paquet.__file__).parent / "templates"
    trouves = [f"{chemin.relative_to(racine)} : {m.group(0)}" for chemin in sorted(racine.rglob("*.html"))
               for m in GLYPHES_ICONES.finditer(chemin.read_text(encoding="utf-8"))]
    assert not trouves, trouves
