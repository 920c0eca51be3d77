"""REST API of interventions (issue 23): scope, validation errors with their
field, conflicts, pagination, the PDF, the dossier's states, the OpenAPI
document validated."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.dossier import Bloc, EtatBloc
from app.models.fichiers import AccesFichier
from app.models.interventions import EtatIntervention, EtatLettre, Intervention, LettreDemande, ModeRemuneration
from app.operations.dossier import dossier_de
from app.operations.interventions import stocker_pdf
from tests.conftest import PASSWORD
from tests.outils.interventions import jeton

DEBUT = date.today() + timedelta(days=30)


@pytest.fixture
def monde(app, factory):
    """Gestionnaires of DR-84 (a) and DR-11 (b), a national admin, a validated
    intervenant of DR-84 and one intervention in each structure."""

    class Monde:
        pass

    m = Monde()
    m.a, m.b, m.admin = factory.gestionnaire("DR-84"), factory.gestionnaire("DR-11"), factory.admin_national()
    m.user, m.profil = factory.intervenant("DR-84")
    m.profil.etat_inscription = EtatInscription.validee
    m.dr84, m.dr11 = factory.structure("DR-84").id, factory.structure("DR-11").id
    m.ia = _intervention(m.profil, m.dr84, "Action A")
    m.ib = _intervention(m.profil, m.dr11, "Action B")
    db.session.commit()
    m.client = app.test_client()
    return m


def _intervention(profil, structure_id, intitule, etat=EtatIntervention.prevue, jours=0):
    ligne = Intervention(intervenant_id=profil.id, structure_id=structure_id, intitule=intitule,
                         date_debut=DEBUT + timedelta(days=jours), date_fin=DEBUT + timedelta(days=jours + 1),
                         duree_jours=Decimal("2"), lieu="Lyon", etat=etat)
    db.session.add(ligne)
    db.session.flush()
    return ligne


def _corps(monde, **autres):
    return {"intervenant_id": monde.profil.id, "intitule": "Finances locales", "date_debut": "2030-03-04",
            "date_fin": "2030-03-05", "duree_jours": 2, "lieu": "Lyon", **autres}


# -- scope -----------------------------------------------------------------------------
def test_liste_et_lecture_limitees_a_la_structure(monde):
    entetes = jeton(monde.client, monde.a)
    liste = monde.client.get("/api/v1/interventions/", headers=entetes).get_json()
    assert [r["intitule"] for r in liste["result"]] == ["Action A"] and liste["count"] == 1
    assert monde.client.get(f"/api/v1/interventions/{monde.ia.id}", headers=entetes).status_code == 200
    assert monde.client.get(f"/api/v1/interventions/{monde.ib.id}", headers=entetes).status_code == 404
    assert monde.client.put(f"/api/v1/interventions/{monde.ib.id}", json={"lieu": "Paris"},
                            headers=entetes).status_code == 404
    assert monde.client.put(f"/api/v1/interventions/{monde.ib.id}/etat", json={"evenement": "demarrer"},
                            headers=entetes).status_code == 404


def test_l_administration_nationale_voit_tout(monde):
    entetes = jeton(monde.client, monde.admin)
    liste = monde.client.get("/api/v1/interventions/", headers=entetes).get_json()
    assert {r["intitule"] for r in liste["result"]} == {"Action A", "Action B"}


def test_sans_jeton_401_et_intervenant_403(app, monde):
    assert monde.client.get("/api/v1/interventions/").status_code == 401
    autre = app.test_client()
    reponse = autre.post("/api/v1/security/login", json={"username": monde.user.email, "password": PASSWORD,
                                                          "provider": "db"})
    entetes = {"Authorization": f"Bearer {reponse.get_json()['access_token']}"}
    assert autre.get("/api/v1/interventions/", headers=entetes).status_code == 403
    assert autre.post("/api/v1/interventions/", json=_corps(monde), headers=entetes).status_code == 403


# -- creation, validation, conflicts ------------------------------------------------------
def test_creation_donne_l_immatriculation(monde):
    entetes = jeton(monde.client, monde.a)
    reponse = monde.client.post("/api/v1/interventions/", json=_corps(monde, duree_jours="1,5"), headers=entetes)
    assert reponse.status_code == 201, reponse.get_json()
    corps = reponse.get_json()
    ligne = db.session.get(Intervention, corps["id"])
    assert ligne.structure_id == monde.dr84 and ligne.etat == EtatIntervention.prevue
    assert ligne.duree_jours == Decimal("1.5")
    db.session.refresh(monde.profil)
    assert monde.profil.immatriculation and corps["result"]["intervenant"]["immatriculation"] == monde.profil.immatriculation


@pytest.mark.parametrize(("modification", "champ"), [
    ({"intitule": ""}, "intitule"),
    ({"date_debut": "04/03/2030"}, "date_debut"),
    ({"date_fin": "2030-03-01"}, "date_fin"),
    ({"duree_jours": "deux"}, "duree_jours"),
    ({"duree_jours": 0}, "duree_jours"),
    ({"lieu": "x" * 256}, "lieu"),
    ({"intervenant_id": "abc"}, "intervenant_id"),
    ({"intervenant_id": 999999}, "intervenant_id"),
    ({"etat": "realisee"}, "etat"),
])
def test_erreurs_400_avec_le_champ(monde, modification, champ):
    entetes = jeton(monde.client, monde.a)
    reponse = monde.client.post("/api/v1/interventions/", json=_corps(monde, **modification), headers=entetes)
    assert reponse.status_code == 400
    message = reponse.get_json()["message"]
    assert champ in message and isinstance(message[champ], list) and message[champ][0]


def test_national_doit_nommer_la_structure(monde):
    entetes = jeton(monde.client, monde.admin)
    reponse = monde.client.post("/api/v1/interventions/", json=_corps(monde), headers=entetes)
    assert reponse.status_code == 400 and "structure_id" in reponse.get_json()["message"]
    reponse = monde.client.post("/api/v1/interventions/", json=_corps(monde, structure_id=monde.dr11),
                                headers=entetes)
    assert reponse.status_code == 201
    assert db.session.get(Intervention, reponse.get_json()["id"]).structure_id == monde.dr11


def test_un_gestionnaire_cree_dans_sa_structure_seulement(monde):
    entetes = jeton(monde.client, monde.b)
    reponse = monde.client.post("/api/v1/interventions/", json=_corps(monde, structure_id=monde.dr84),
                                headers=entetes)
    assert reponse.status_code == 201  # structure_id is the caller's, whatever is sent
    assert db.session.get(Intervention, reponse.get_json()["id"]).structure_id == monde.dr11


def test_conflits_409(monde):
    entetes = jeton(monde.client, monde.a)
    premiere = monde.client.post("/api/v1/interventions/", json=_corps(monde, reference_externe="GF-1"),
                                 headers=entetes)
    assert premiere.status_code == 201
    doublon = monde.client.post("/api/v1/interventions/", json=_corps(monde, reference_externe="GF-1"),
                                headers=entetes)
    assert doublon.status_code == 409 and "référence" in doublon.get_json()["message"]
    pk = premiere.get_json()["id"]
    assert monde.client.put(f"/api/v1/interventions/{pk}/etat", json={"evenement": "realiser"},
                            headers=entetes).status_code == 200
    # réalisée: neither a state change back nor an edit
    refus = monde.client.put(f"/api/v1/interventions/{pk}/etat", json={"evenement": "demarrer"}, headers=entetes)
    assert refus.status_code == 409 and "Réalisée" in refus.get_json()["message"]
    assert monde.client.put(f"/api/v1/interventions/{pk}", json={"lieu": "Paris"}, headers=entetes).status_code == 409


def test_modification_et_changement_d_etat(monde):
    entetes = jeton(monde.client, monde.a)
    reponse = monde.client.put(f"/api/v1/interventions/{monde.ia.id}", json={"lieu": "Grenoble"}, headers=entetes)
    assert reponse.status_code == 200 and reponse.get_json()["result"]["lieu"] == "Grenoble"
    mauvais = monde.client.put(f"/api/v1/interventions/{monde.ia.id}", json={"date_fin": "2000-01-01"},
                               headers=entetes)
    assert mauvais.status_code == 400 and "date_fin" in mauvais.get_json()["message"]
    assert monde.client.put(f"/api/v1/interventions/{monde.ia.id}/etat", json={"evenement": "voler"},
                            headers=entetes).status_code == 400
    etat = monde.client.put(f"/api/v1/interventions/{monde.ia.id}/etat",
                            json={"evenement": "annuler", "commentaire": "Session reportée"}, headers=entetes)
    assert etat.status_code == 200 and etat.get_json()["etat"] == "annulee"


def test_mutation_par_cookie_sans_jeton_csrf_refusee(app, monde):
    from tests.conftest import sign_in

    app.config["WTF_CSRF_ENABLED"], avant = True, app.config["WTF_CSRF_ENABLED"]
    try:
        navigateur = app.test_client()
        sign_in(navigateur, monde.a)
        assert navigateur.get("/api/v1/interventions/").status_code == 200
        assert navigateur.post("/api/v1/interventions/", json=_corps(monde)).status_code == 400
        assert db.session.scalar(select(Intervention).where(Intervention.intitule == "Finances locales")) is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = avant


# -- pagination --------------------------------------------------------------------------
def test_pagination(monde):
    for i in range(25):
        _intervention(monde.profil, monde.dr84, f"Série {i:02d}", jours=i + 2)
    db.session.commit()
    entetes = jeton(monde.client, monde.a)
    premiere = monde.client.get("/api/v1/interventions/?q=(page:0,page_size:10)", headers=entetes).get_json()
    troisieme = monde.client.get("/api/v1/interventions/?q=(page:2,page_size:10)", headers=entetes).get_json()
    assert premiere["count"] == 26 and len(premiere["result"]) == 10 and len(troisieme["result"]) == 6
    assert [r["intitule"] for r in troisieme["result"]][-1] == "Action A"  # newest first: the earliest last
    filtre = "(filters:!((col:etat,opr:eq,value:prevue)),page_size:100)"
    assert monde.client.get(f"/api/v1/interventions/?q={filtre}", headers=entetes).get_json()["count"] == 26


def test_filtre_d_etat_apres_une_recherche_par_date_en_heure_de_paris(app, monde, login_as):
    """The Paris-day date filters of the generated screens (issue 27) must not
    take FAB's process-wide « eq » over: once a list with a date and time
    column was drawn, the API's ``etat`` filter matched nothing."""
    from flask_appbuilder.models.filters import map_args_filter
    from flask_appbuilder.models.sqla.filters import FilterEqual

    gestion = login_as("gestionnaire", "DR-84")
    assert gestion.get("/gestion/candidatures/list/?_flt_0_date=2026-12-03").status_code == 200
    assert map_args_filter["eq"] is FilterEqual
    entetes = jeton(monde.client, monde.a)
    filtre = "(filters:!((col:etat,opr:eq,value:prevue)),page:0,page_size:10)"
    assert monde.client.get(f"/api/v1/interventions/?q={filtre}", headers=entetes).get_json()["count"] == 1


# -- lettres and dossiers ------------------------------------------------------------------
def test_lettres_et_pdf(monde):
    lettre = LettreDemande(intervention_id=monde.ia.id, numero="LD-2030-000001", date_lettre=date(2030, 1, 2),
                           mode_remuneration=ModeRemuneration.journalier, taux=Decimal("300"),
                           quantite=Decimal("2"), etat=EtatLettre.envoyee,
                           fichier=stocker_pdf(b"%PDF-1.4\n%%EOF\n", "lettre.pdf", owner_user_id=monde.user.id,
                                               uploaded_by_id=None))
    autre = LettreDemande(intervention_id=monde.ib.id, numero="LD-2030-000002", date_lettre=date(2030, 1, 2),
                          mode_remuneration=ModeRemuneration.horaire, taux=Decimal("50"), quantite=Decimal("6"))
    db.session.add_all([lettre, autre])
    db.session.commit()
    entetes = jeton(monde.client, monde.a)
    liste = monde.client.get("/api/v1/lettres-de-demande/", headers=entetes).get_json()
    assert [r["numero"] for r in liste["result"]] == ["LD-2030-000001"]
    assert monde.client.get(f"/api/v1/lettres-de-demande/{autre.id}", headers=entetes).status_code == 404
    pdf = monde.client.get(f"/api/v1/lettres-de-demande/{lettre.id}/pdf", headers=entetes)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert db.session.scalar(select(AccesFichier.user_id).where(AccesFichier.fichier_id == lettre.fichier_id)) == monde.a.id
    assert monde.client.get(f"/api/v1/lettres-de-demande/{autre.id}/pdf", headers=entetes).status_code == 404


def test_etat_du_dossier_sans_les_pieces(monde, factory):
    dossier = dossier_de(monde.profil, creer=True)
    dossier.iban = "FR7630006000011234567890189"
    for ligne in dossier.blocs:
        ligne.etat = EtatBloc.valide if ligne.bloc != Bloc.bancaire else EtatBloc.refuse
    db.session.commit()
    entetes = jeton(monde.client, monde.a)
    reponse = monde.client.get(f"/api/v1/dossiers/{monde.profil.id}", headers=entetes)
    corps = reponse.get_json()
    assert reponse.status_code == 200 and corps["complet"] is False
    etats = {b["bloc"]: b["etat"] for b in corps["blocs"]}
    assert etats["bancaire"] == "refuse" and etats["identite"] == "valide"
    assert "FR76" not in reponse.get_data(as_text=True) and "iban" not in corps
    # another structure: a person with an intervention there, or nothing
    _, inconnu = factory.intervenant("DR-93")
    assert monde.client.get(f"/api/v1/dossiers/{inconnu.id}", headers=entetes).status_code == 404


# -- the OpenAPI document -----------------------------------------------------------------
def test_document_openapi_valide(monde):
    entetes = jeton(monde.client, monde.a)
    reponse = monde.client.get("/api/v1/_openapi", headers=entetes)
    assert reponse.status_code == 200
    document = reponse.get_json()
    validate(document)
    chemins = document["paths"]
    for chemin in ("/interventions/", "/interventions/{pk}", "/interventions/{pk}/etat", "/lettres-de-demande/",
                   "/lettres-de-demande/{pk}/pdf", "/dossiers/{intervenant_id}"):
        assert f"/api/v1{chemin}" in chemins, chemin


def test_l_api_des_intervenants_refuse_un_numero_de_la_forme_generee(app, monde):
    """A number typed by the management software cannot take the generated form."""
    entetes = jeton(monde.client, monde.a)
    refus = monde.client.put(f"/api/v1/intervenants/{monde.profil.id}", json={"immatriculation": "IMM0000042"},
                             headers=entetes)
    assert refus.status_code == 422 and "immatriculation" in refus.get_json()["message"]
    ok = monde.client.put(f"/api/v1/intervenants/{monde.profil.id}", json={"immatriculation": "GF-2020-17"},
                          headers=entetes)
    assert ok.status_code == 200
