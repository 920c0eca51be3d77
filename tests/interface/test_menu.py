"""The manual's main menu (§3.3.1, §5.1.1) for each state of the account,
and the staff's menu grouped the same way (issue 25 point 3)."""

from __future__ import annotations

import re

import pytest

from app.models.comptes import EtatInscription
from app.views import menu
from tests.conftest import page_text, sign_in

NAV = re.compile(r'<nav class="navbar navbar-default menu-principal".*?<ul class="nav navbar-nav">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">', re.S)


def _menu(client) -> list[tuple[str, list[str]]]:
    """The menu as (top-level label, [entries]) in order."""
    html = NAV.search(page_text(client.get("/informations-complementaires"))).group(1)
    html = re.sub(r'<span class="badge".*?</span><span class="sr-only">.*?</span>', "", html)
    entrees = []
    for bloc in re.finditer(r'<li( class="dropdown")?>\s*<a[^>]*>(.*?)</a>(\s*<ul class="dropdown-menu">(.*?)</ul>)?', html, re.S):
        libelle = re.sub(r"<[^>]+>", "", bloc.group(2)).strip()
        enfants = [re.sub(r"<[^>]+>", "", e).strip() for e in re.findall(r"<a[^>]*>(.*?)</a>", bloc.group(4) or "", re.S)]
        entrees.append((libelle, enfants))
    return entrees


def _intervenant(app, factory, etat):
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = etat
    client = app.test_client()
    sign_in(client, user)
    return client


def test_before_validation_the_manual_menu_without_the_validated_entries(app, factory):
    entrees = _menu(_intervenant(app, factory, EtatInscription.brouillon))
    assert [e for e, _ in entrees] == ["Accueil", "Mon compte", "Informations Complémentaires"]
    mon_compte = dict(entrees)["Mon compte"]
    assert mon_compte[:4] == ["Mes informations", "Mes données et documents", "Mon parcours", "Changer mon mot de passe"]


def test_after_validation_the_menu_bar_of_the_manual(app, factory):
    entrees = _menu(_intervenant(app, factory, EtatInscription.validee))
    hauts = [e for e, _ in entrees]
    manuel = ["Accueil", "Tableau de bord", "Mon compte", "Mes réponses aux annonces",
              "Recherche avancée d'annonces", "Messagerie", "Informations Complémentaires"]
    assert [e for e in hauts if e in manuel] == [e for e in manuel if e in hauts]
    assert {"Accueil", "Tableau de bord", "Mon compte", "Mes réponses aux annonces",
            "Recherche avancée d'annonces", "Informations Complémentaires"} <= set(hauts)
    assert dict(entrees)["Mon compte"][:4] == [
        "Mes informations", "Mes données et documents", "Mon parcours", "Changer mon mot de passe"]


def test_tableau_de_bord_follows_the_answers_to_annonces(app, factory):
    client = _intervenant(app, factory, EtatInscription.validee)
    html = page_text(client.get("/"))
    assert re.search(r'<a href="/mes-reponses-aux-annonces/[^"]*">Tableau de bord</a>', html)
    assert re.search(r'<a href="/annonces/[^"]*">Recherche avancée d\'annonces</a>', html)


@pytest.mark.parametrize("role", ["gestionnaire", "admin_national"])
def test_staff_menu_grouped_the_same_way(login_as, role):
    entrees = _menu(login_as(role))
    hauts = [e for e, _ in entrees]
    assert hauts[0] == "Accueil" and hauts[-1] == "Informations Complémentaires"
    assert hauts.index("Mon compte") < hauts.index("Messagerie") < hauts.index("Gestion")
    assert "Tableau de bord" not in hauts and "Recherche avancée d'annonces" not in hauts
    gestion = dict(entrees)["Gestion"]
    assert gestion[:2] == ["Demandes d'inscription", "Dossiers administratifs"]
    assert "Changer mon mot de passe" in dict(entrees)["Mon compte"]


def test_anonymous_menu(client):
    assert [e for e, _ in _menu(client)] == ["Accueil", "Informations Complémentaires"]


def test_mon_compte_holds_the_manuals_entries_in_its_order(app):
    """« Récupérer mes données » and « Me désinscrire » (issue 24) take the
    place the manual gives them, after « Changer mon mot de passe »."""
    with app.test_request_context():
        entrees = menu.entrees_menu(lambda item: True)
    noms = [e.nom for e in next(e for e in entrees if e.nom == "Mon compte").enfants]
    assert noms[:6] == ["Mes informations", "Mes données et documents", "Mon parcours",
                        "Changer mon mot de passe", "Récupérer mes données", "Me désinscrire"]
