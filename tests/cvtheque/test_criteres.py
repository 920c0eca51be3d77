"""Criteria that say what they mean (issue 40, point 3): each criterion of the
annonce search and of the CV-thèque whose meaning is not obvious (dates,
« Disponible entre », the free text) has a hint under it, linked to the field
by aria-describedby (with its error when there is one); the alert
preferences say how their choices combine."""

from __future__ import annotations

import re
from html import unescape

import pytest


def _attributs(html: str, element_id: str) -> dict[str, str]:
    balise = re.search(rf'<(?:input|select|textarea|fieldset)\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert balise, element_id
    return dict(re.findall(r'([\w-]+)="([^"]*)"', balise.group(0)))


def _aide(html: str, champ: str) -> str:
    """The text of the field's hint, checked as one of its aria-describedby ids."""
    decrit = _attributs(html, champ).get("aria-describedby", "").split()
    assert f"{champ}-aide" in decrit, (champ, decrit)
    texte = re.search(rf'<p class="help-block" id="{champ}-aide">([^<]+)</p>', html)
    assert texte, champ
    return unescape(texte.group(1))


@pytest.mark.parametrize(("champ", "sens"), [
    ("date_limite", "Annonces encore ouvertes aux candidatures à cette date"),
    ("debut", "se termine ce jour-là ou après"),
    ("fin", "commence ce jour-là ou avant"),
    ("numero", "Les premiers chiffres suffisent"),
    ("specialite", "au moins une des spécialités choisies"),
    ("sous_specialite", "au moins une des sous-spécialités choisies"),
    ("categorie", "au moins une des catégories choisies"),
])
def test_la_recherche_d_annonces_dit_le_sens_de_ses_criteres(client, champ, sens):
    html = client.get("/annonces/").get_data(as_text=True)
    assert sens in _aide(html, champ)
    assert 'aria-describedby="criteres-aide"' in html and "Les critères remplis se cumulent" in html


def test_une_erreur_garde_l_aide_du_critere(client):
    html = client.get("/annonces/?debut=2030-03-10&fin=2030-03-01").get_data(as_text=True)
    decrit = _attributs(html, "fin")["aria-describedby"].split()
    assert decrit == ["fin-aide", "fin-erreur"]
    assert 'id="fin-erreur"' in html


@pytest.mark.parametrize(("champ", "sens"), [
    ("dispo_du", "sans indisponibilité déclarée qui chevauche la période"),
    ("dispo_au", "Fin de la période, incluse"),
    ("q", "Cherché dans le parcours"),
    ("region", "Une des régions où la personne peut intervenir"),
])
def test_la_cv_theque_dit_le_sens_de_ses_criteres(login_as, champ, sens):
    html = login_as("gestionnaire").get("/cvtheque/").get_data(as_text=True)
    assert sens in _aide(html, champ)


def test_la_cv_theque_lie_l_aide_et_l_erreur(login_as):
    html = login_as("gestionnaire").get("/cvtheque/?dispo_du=32/13/2030").get_data(as_text=True)
    assert _attributs(html, "dispo_du")["aria-describedby"].split() == ["dispo_du-aide", "dispo_du-erreur"]


def test_les_alertes_disent_comment_leurs_choix_se_combinent(login_as):
    html = unescape(login_as("intervenant").get("/profil/parcours").get_data(as_text=True))
    assert _attributs(html.replace("<fieldset aria", '<fieldset id="alertes" aria'), "alertes")[
        "aria-describedby"] == "alertes-combinaison"
    aide = re.search(r'id="alertes-combinaison">([^<]+)<', html).group(1)
    assert "Chaque case cochée ajoute des annonces" in aide and "à la fois dans vos spécialités ET dans vos régions" in aide
