"""Issue 25, point 4: the fixes a person met on the pages (request page,
history, candidatures list and bulk actions, alert labels, « Candidater »,
order of page 2 « Parcours »)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models.annonces import Candidature
from app.workflows.core import Acteur
from app.workflows.inscription import inscription
from tests.conftest import page_text, sign_in
from tests.outils.annonces import creer_annonce
from tests.outils.profil import intervenant_valide

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "espace.css"


def _demande_transmise(factory, **kw):
    user, profil = factory.intervenant("DR-84", complet=True, **kw)
    profil.civilite = "M"
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    return user, profil


def test_page_de_la_demande_civilite_en_toutes_lettres_et_historique_en_francais(factory, login_as):
    _, profil = _demande_transmise(factory)
    html = page_text(login_as("gestionnaire", "DR-84").get(f"/gestion/demandes-inscription/show/{profil.id}"))
    assert "<dt>Civilité</dt><dd>Monsieur</dd>" in html
    historique = html[html.index("<h2>Historique</h2>"):]
    assert "<td>Transmettre</td><td>Transmise</td>" in historique
    assert "transmettre" not in historique and "→" not in historique


def test_les_libelles_de_la_fiche_ne_sont_plus_coupes():
    """Bootstrap 3 cuts a .dl-horizontal label at 160px with an ellipsis
    (« Nom de famille (na… »): the portal's stylesheet lets it wrap."""
    css = CSS.read_text(encoding="utf-8")
    regle = re.search(r"\.dl-horizontal dt \{([^}]*)\}", css)
    assert regle, "pas de règle .dl-horizontal dt dans espace.css"
    assert "white-space: normal" in regle.group(1) and "text-overflow: clip" in regle.group(1)


def test_mon_profil_et_parcours_disent_l_etat_en_francais(factory):
    from app.workflows.inscription import inscription as wf

    user, profil = factory.intervenant("DR-84", complet=True)
    wf.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    historique = wf.history(profil)[0]
    assert (historique.action_libelle, historique.etat_avant_libelle, historique.etat_apres_libelle) == (
        "Transmettre", "Brouillon", "Transmise")


def test_liste_des_candidatures_avec_l_intitule_de_l_annonce(app, factory, login_as):
    annonce = creer_annonce(intitule="Gestion budgétaire des collectivités")
    _, profil = intervenant_valide(factory)
    db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=profil.id))
    db.session.commit()
    html = page_text(login_as("gestionnaire", "DR-84").get("/gestion/candidatures/list/"))
    assert "Intitulé de l'annonce" in html and "Gestion budgétaire des collectivités" in html


def test_action_groupee_sur_les_candidatures_revient_a_leur_liste(app, factory, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    annonce = creer_annonce()
    _, profil = intervenant_valide(factory)
    candidature = Candidature(annonce_id=annonce.id, intervenant_id=profil.id)
    db.session.add(candidature)
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    client.get("/")  # FAB's history: the home page before the list
    client.get("/gestion/candidatures/list/")
    reponse = client.post("/gestion/candidatures/action_post", data={"action": "etudier", "rowid": [str(candidature.id)]})
    assert reponse.status_code == 302
    assert reponse.headers["Location"].endswith("/gestion/candidatures/list/")


def test_preferences_d_alerte_du_manuel(login_as):
    html = page_text(login_as("intervenant").get("/profil/parcours"))
    assert "Si la ou les spécialités de formation me concernent" in html
    assert "Si la ou les spécialités de formation ET si la ou les régions me concernent" in html
    assert "Si la ou les régions sont celles que j'ai sélectionnées" in html
    assert "domaines de formation" not in html


def test_deja_candidate_remplace_candidater(app, factory, client):
    from datetime import datetime

    annonce = creer_annonce()
    user, profil = intervenant_valide(factory)
    sign_in(client, user)
    url = f"/annonces/{annonce.numero}"
    assert f'href="/annonces/{annonce.numero}/candidater">Candidater</a>' in page_text(client.get(url))
    # 23:30 UTC on 2 December is already 3 December in Paris.
    db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=profil.id, date=datetime(2026, 12, 2, 23, 30)))
    db.session.commit()
    html = page_text(client.get(url))
    assert "Vous avez déjà candidaté le 03/12/2026" in html
    assert ">Candidater</a>" not in html
    assert db.session.scalar(select(db.func.count()).select_from(Candidature)) == 1


def test_page_parcours_dans_l_ordre_du_manuel(login_as):
    html = page_text(login_as("intervenant").get("/profil/parcours"))
    ordre = [
        "Spécialités de formation *",
        "Informations complémentaires sur vos souhaits d'intervention",
        "Avez-vous déjà réalisé des formations ?",
        "Ajouter une expérience en qualité de formateur",
        "Ajouter une action de professionnalisation de formateur",
        "Ajouter une expérience professionnelle",
        "Ajouter une formation professionnelle suivie",
        "Ajouter une formation initiale",
        "Ajouter une langue étrangère et/ou régionale",
        "Alertes e-mail",
        "Déposer une pièce jointe",
        'value="Enregistrer"',
    ]
    positions = [html.index(texte) for texte in ordre]
    assert positions == sorted(positions), [t for t, _ in sorted(zip(ordre, positions, strict=True), key=lambda x: x[1])]
