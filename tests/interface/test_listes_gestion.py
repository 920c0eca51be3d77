"""The staff lists of FAB views served by declared lists (issue 36, point 1):
« Annonces de ma structure », « Candidatures aux annonces »,
« Interventions », « Lettres de demande » and « Demandes d'inscription »
are ``app.views.liste.Liste`` declarations drawn on the view's ``/list/``
route (``app.views.base.ListeDeclareeMixin``): their scope, criteria, sorts,
page sizes, row links and bulk actions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models.annonces import Candidature, EtatAnnonce
from app.models.interventions import EtatLettre, Intervention, LettreDemande, ModeRemuneration, TypeLettre
from app.views import liste as module_liste
from tests.conftest import csrf_token_from, page_text
from tests.outils.annonces import creer_annonce
from tests.outils.profil import intervenant_valide


def _annonce(factory, code, texte):
    return creer_annonce(code, intitule=texte).id


def _candidature(factory, code, texte):
    annonce = creer_annonce(code, intitule="Annonce candidatée")
    _, profil = intervenant_valide(factory)
    candidature = Candidature(annonce_id=annonce.id, intervenant_id=profil.id, commentaire=texte)
    db.session.add(candidature)
    db.session.commit()
    return candidature.id


def _intervention(factory, code, texte, debut=date(2030, 3, 4), etat=None):
    _, profil = intervenant_valide(factory)
    ligne = Intervention(intervenant_id=profil.id, structure_id=factory.structure(code).id, intitule=texte,
                         date_debut=debut, date_fin=debut + timedelta(days=1), duree_jours=Decimal("2"), lieu="Lyon")
    if etat is not None:
        ligne.etat = etat
    db.session.add(ligne)
    db.session.commit()
    return ligne


def _lettre(factory, code, texte, numero=None, **valeurs):
    ligne = LettreDemande(intervention_id=_intervention(factory, code, texte).id, date_lettre=date(2030, 2, 1),
                          mode_remuneration=ModeRemuneration.horaire, taux=Decimal("50"), quantite=Decimal("7"),
                          numero=numero, **valeurs)
    db.session.add(ligne)
    db.session.commit()
    return ligne.id


#: route, the declared list, the row maker, the show links' path.
LISTES = {
    "annonces": ("/gestion/annonces/list/", "ANNONCES", _annonce, "/gestion/annonces/show/"),
    "candidatures": ("/gestion/candidatures/list/", "CANDIDATURES_GESTION", _candidature, "/gestion/candidatures/show/"),
    "interventions": ("/gestion/interventions/list/", "INTERVENTIONS", lambda f, c, t: _intervention(f, c, t).id,
                      "/gestion/interventions/show/"),
    "lettres": ("/gestion/lettres-de-demande/list/", "LETTRES", _lettre, "/gestion/lettres-de-demande/show/"),
}


def _declaree(nom: str):
    from app.views import annonces_gestion, interventions

    return getattr(annonces_gestion, nom, None) or getattr(interventions, nom)


def _montrees(html: str, chemin: str) -> list[int]:
    return list(dict.fromkeys(int(i) for i in re.findall(rf'href="{re.escape(chemin)}(\d+)"', html)))


@pytest.mark.parametrize("nom", LISTES)
def test_la_liste_est_declaree_et_limitee_a_la_structure(factory, login_as, monkeypatch, nom):
    """The route draws its declared list; a gestionnaire of another structure
    sees none of the rows, a national role sees them."""
    url, declaree, creer, chemin = LISTES[nom]
    ici = creer(factory, "DR-84", "Ligne de Lyon")
    servies = []
    page = module_liste.Liste.page

    def espion(self, *args, **kwargs):
        servies.append(self)
        return page(self, *args, **kwargs)

    monkeypatch.setattr(module_liste.Liste, "page", espion)
    html = page_text(login_as("gestionnaire", "DR-84").get(url))
    assert servies == [_declaree(declaree)]
    assert _montrees(html, chemin) == [ici]
    autre = page_text(login_as("gestionnaire", "DR-11").get(url))
    assert _montrees(autre, chemin) == [] and 'role="status">Aucun' in autre
    assert ici in _montrees(page_text(login_as("admin_national").get(url)), chemin)


def test_demandes_d_inscription_servies_par_la_liste_declaree(login_as, monkeypatch):
    from app.views.file_inscriptions import DEMANDES
    from app.views.gestion import DemandeInscriptionView

    servies = []
    page = module_liste.Liste.page
    monkeypatch.setattr(module_liste.Liste, "page", lambda self, *a, **k: servies.append(self) or page(self, *a, **k))
    html = page_text(login_as("gestionnaire").get("/gestion/demandes-inscription/list/"))
    assert servies == [DEMANDES] and DemandeInscriptionView.liste is DEMANDES
    assert "<h1>Demandes d'inscription</h1>" in html and 'aria-label="Rechercher des demandes d\'inscription"' in html


def test_criteres_tri_et_liens_des_annonces(factory, login_as):
    client = login_as("gestionnaire", "DR-84")
    anciens = datetime(2026, 1, 1)
    lecture = creer_annonce(intitule="Lecture publique", created_at=anciens, urgent=True, limite_jours=10)
    budget = creer_annonce(intitule="Budget", etat=EtatAnnonce.brouillon, created_at=anciens + timedelta(days=2),
                           limite_jours=40)
    paie = creer_annonce(intitule="Paie", created_at=anciens + timedelta(days=1), limite_jours=60)

    def ids(criteres=""):
        return _montrees(page_text(client.get(f"/gestion/annonces/list/?{criteres}")), "/gestion/annonces/show/")

    assert ids() == [budget.id, paie.id, lecture.id]  # the newest created first
    assert ids("_oc_AnnonceGestionView=intitule&_od_AnnonceGestionView=asc") == [budget.id, lecture.id, paie.id]
    assert ids("etat=brouillon") == [budget.id]
    assert ids("urgent=oui") == [lecture.id] and lecture.id not in ids("urgent=non")
    assert ids(f"numero={paie.numero}") == [paie.id]
    assert ids("intitule=PUBLIQUE") == [lecture.id]
    limite = date.today() + timedelta(days=40)
    assert ids(f"limite_du={limite:%d/%m/%Y}") == [budget.id, paie.id]
    assert ids(f"limite_au={limite:%Y-%m-%d}") == [budget.id, lecture.id]
    erreur = page_text(client.get(f"/gestion/annonces/list/?limite_du={limite:%d/%m/%Y}&limite_au=01/01/2020"))
    assert "La date de fin doit être postérieure ou égale à la date de début." in erreur
    html = page_text(client.get("/gestion/annonces/list/"))
    assert f'href="/gestion/annonces/edit/{paie.id}"' in html  # FAB's edit button, with can_edit
    assert '<a class="btn btn-primary" href="/gestion/annonces/add">' in html and "Créer une annonce" in html
    assert "Urgent" in html and "Oui" in html


def test_criteres_des_lettres_et_des_candidatures(factory, login_as):
    client = login_as("gestionnaire", "DR-84")
    envoyee = _lettre(factory, "DR-84", "Finances", numero="LD-2030-000001", etat=EtatLettre.envoyee)
    ressources = _lettre(factory, "DR-84", "Paie", numero="LD-2030-000002", type=TypeLettre.ressources)

    def lettres(criteres):
        html = page_text(client.get(f"/gestion/lettres-de-demande/list/?{criteres}"))
        return set(_montrees(html, "/gestion/lettres-de-demande/show/"))

    assert lettres("") == {envoyee, ressources}
    assert lettres("etat=envoyee") == {envoyee}
    assert lettres("type=ressources") == {ressources}
    assert lettres("numero=000002") == {ressources}
    assert lettres("du=2030-02-01&au=01/02/2030") == {envoyee, ressources} and lettres("du=02/02/2030") == set()
    assert 'href="/gestion/lettres-de-demande/edit/' not in page_text(client.get("/gestion/lettres-de-demande/list/"))

    deposee = _candidature(factory, "DR-84", "Motivée")
    assert _montrees(page_text(client.get("/gestion/candidatures/list/?etat=deposee")),
                     "/gestion/candidatures/show/") == [deposee]
    assert _montrees(page_text(client.get("/gestion/candidatures/list/?etat=etudiee")),
                     "/gestion/candidatures/show/") == []


def test_tailles_de_page_de_fab(factory, login_as):
    """FAB's page sizes and arguments (``psize_…``, ``page_…`` from 0)."""
    _, profil = intervenant_valide(factory)
    structure = factory.structure("DR-84").id
    db.session.add_all([Intervention(intervenant_id=profil.id, structure_id=structure, intitule=f"Action {i}",
                                     date_debut=date(2030, 1, 1) + timedelta(days=i),
                                     date_fin=date(2030, 1, 2) + timedelta(days=i), duree_jours=Decimal("1"),
                                     lieu="Lyon") for i in range(22)])
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    url = "/gestion/interventions/list/"
    chemin = "/gestion/interventions/show/"
    assert len(_montrees(page_text(client.get(url)), chemin)) == 20
    assert len(_montrees(page_text(client.get(url + "?page_InterventionGestionView=1")), chemin)) == 2
    assert len(_montrees(page_text(client.get(url + "?psize_InterventionGestionView=25")), chemin)) == 22
    assert len(_montrees(page_text(client.get(url + "?psize_InterventionGestionView=7")), chemin)) == 20
    assert "22 intervention(s) – page 1 sur 2" in page_text(client.get(url))


def test_action_groupee_depuis_la_liste_declaree(factory, login_as):
    """The bulk actions' form posts to the FAB view's ``action_post`` and
    comes back to the list as it was (its criteria)."""
    brouillon = creer_annonce(etat=EtatAnnonce.brouillon, intitule="À publier")
    client = login_as("gestionnaire", "DR-84")
    url = "/gestion/annonces/list/?etat=brouillon"
    html = client.get(url).get_data(as_text=True)
    assert '<form id="action_form" action="/gestion/annonces/action_post" method="POST"' in html
    assert 'class="publier_menu_item"' in html and 'class="cloturer_menu_item"' in html
    assert '<input type="hidden" name="next" value="/gestion/annonces/list/?etat=brouillon" />' in html
    reponse = client.post("/gestion/annonces/action_post", data={
        "csrf_token": csrf_token_from(html), "action": "publier", "rowid": [str(brouillon.id)],
        "next": "/gestion/annonces/list/?etat=brouillon"})
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith("/gestion/annonces/list/?etat=brouillon")
    db.session.refresh(brouillon)
    assert brouillon.etat == EtatAnnonce.publiee
    # Another structure's gestionnaire: the same post is refused (the action checks the scope again).
    autre = login_as("gestionnaire", "DR-11")
    jeton = csrf_token_from(autre.get("/gestion/annonces/list/").get_data(as_text=True))
    assert autre.post("/gestion/annonces/action_post", data={
        "csrf_token": jeton, "action": "depublier", "rowid": [str(brouillon.id)]}).status_code == 404
