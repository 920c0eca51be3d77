"""The gestionnaires' screens of interventions and lettres, and « Mes
interventions » (issue 23)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.interventions import EtatIntervention, EtatLettre, Intervention, LettreDemande, ModeRemuneration
from app.models.workflow import TransitionHistorique
from tests.conftest import csrf_token_from, page_text, sign_in


def _valide(factory, code="DR-84", **kw):
    user, profil = factory.intervenant(code, **kw)
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    return user, profil


def _intervention(factory, profil, code="DR-84", intitule="Action", etat=EtatIntervention.prevue, debut=None):
    debut = debut or date.today() + timedelta(days=10)
    ligne = Intervention(intervenant_id=profil.id, structure_id=factory.structure(code).id, intitule=intitule,
                         date_debut=debut, date_fin=debut + timedelta(days=1), duree_jours=Decimal("2"),
                         lieu="Lyon", etat=etat)
    db.session.add(ligne)
    db.session.commit()
    return ligne


def _client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def test_creation_par_le_formulaire(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = _valide(factory)
    client = _client(app, gestionnaire)
    page = client.get("/gestion/interventions/add")
    assert page.status_code == 200
    texte = page_text(page)
    assert "Adresse e-mail de l'intervenant" in texte and "Délégation régionale Île-de-France" not in texte
    structure = factory.structure("DR-84").id
    donnees = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email_intervenant": user.email,
               "structure": str(structure), "intitule": "Finances locales", "date_debut": "2030-03-04",
               "date_fin": "2030-03-02", "duree_jours": "2,5", "lieu": "Lyon"}
    refus = client.post("/gestion/interventions/add", data=donnees)
    texte = page_text(refus)
    assert refus.status_code == 200 and "La date de fin doit être postérieure ou égale à la date de début." in texte
    assert 'value="Finances locales"' in texte  # nothing lost
    assert db.session.scalar(select(Intervention.id)) is None
    ok = client.post("/gestion/interventions/add", data={**donnees, "date_fin": "2030-03-06"})
    assert ok.status_code == 302
    ligne = db.session.scalar(select(Intervention))
    assert (ligne.intervenant_id, ligne.structure_id, ligne.duree_jours, ligne.etat) == (
        profil.id, structure, Decimal("2.5"), EtatIntervention.prevue)
    db.session.refresh(profil)
    assert profil.immatriculation


def test_creation_refusee_pour_un_profil_non_valide(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, _ = factory.intervenant("DR-84")
    client = _client(app, gestionnaire)
    page = client.get("/gestion/interventions/add")
    reponse = client.post("/gestion/interventions/add", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "email_intervenant": user.email,
        "structure": str(factory.structure("DR-84").id), "intitule": "X", "date_debut": "2030-03-04",
        "date_fin": "2030-03-04", "duree_jours": "1", "lieu": "Lyon"})
    assert "L'intervenant doit avoir une inscription validée." in page_text(reponse)


def test_liste_de_ma_structure_et_filtre_par_etat(app, factory):
    _, profil = _valide(factory, last="Dupont")
    _intervention(factory, profil, intitule="Prévue ici")
    _intervention(factory, profil, intitule="Réalisée ici", etat=EtatIntervention.realisee)
    _intervention(factory, profil, "DR-11", intitule="Ailleurs")
    client = _client(app, factory.gestionnaire("DR-84"))
    texte = page_text(client.get("/gestion/interventions/list/"))
    assert "Prévue ici" in texte and "Réalisée ici" in texte and "Ailleurs" not in texte
    filtre = page_text(client.get("/gestion/interventions/list/?etat=realisee"))
    assert "Réalisée ici" in filtre and "Prévue ici" not in filtre
    national = page_text(_client(app, factory.admin_national()).get("/gestion/interventions/list/"))
    assert "Ailleurs" in national and "Prévue ici" in national


def test_actions_du_workflow(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _valide(factory)
    ligne = _intervention(factory, profil)
    autre = _intervention(factory, profil, "DR-11")
    client = _client(app, gestionnaire)
    page = client.get(f"/gestion/interventions/show/{ligne.id}")
    texte = page_text(page)
    assert "Générer la lettre de demande" in texte
    assert 'value="demarrer"' in texte and 'value="annuler"' in texte and "Confirmer l'annulation" in texte
    jeton = csrf_token_from(page.get_data(as_text=True))
    reponse = client.post("/gestion/interventions/action_post",
                          data={"csrf_token": jeton, "action": "demarrer", "rowid": [str(ligne.id)]})
    assert reponse.status_code == 302
    db.session.refresh(ligne)
    assert ligne.etat == EtatIntervention.en_cours
    assert db.session.scalar(select(TransitionHistorique.acteur_id).where(
        TransitionHistorique.workflow == "intervention", TransitionHistorique.objet_id == ligne.id)) == gestionnaire.id
    # another structure's row among the selection: nothing done
    reponse = client.post("/gestion/interventions/action_post",
                          data={"csrf_token": jeton, "action": "realiser", "rowid": [str(ligne.id), str(autre.id)]})
    assert reponse.status_code == 404
    db.session.refresh(ligne)
    assert ligne.etat == EtatIntervention.en_cours
    # a forbidden transition: the workflow's French message
    client.post("/gestion/interventions/action_post",
                data={"csrf_token": jeton, "action": "demarrer", "rowid": [str(ligne.id)]})
    texte = page_text(client.get(f"/gestion/interventions/show/{ligne.id}"))
    assert "n'est pas permis" in texte
    assert 'value="demarrer"' not in texte and 'value="realiser"' in texte  # the buttons of « en cours »


def test_mes_interventions(app, factory):
    user, profil = _valide(factory)
    _, autre = _valide(factory)
    ancienne = _intervention(factory, profil, intitule="Ancienne", debut=date(2025, 1, 6),
                             etat=EtatIntervention.realisee)
    _intervention(factory, profil, intitule="Prochaine", debut=date.today() + timedelta(days=40))
    _intervention(factory, autre, intitule="Pas la mienne")
    for numero, etat in (("LD-2025-000001", EtatLettre.terminee), ("LD-2025-000002", EtatLettre.brouillon)):
        db.session.add(LettreDemande(intervention_id=ancienne.id, numero=numero, date_lettre=date(2025, 1, 2),
                                     mode_remuneration=ModeRemuneration.journalier, taux=Decimal("1000"),
                                     quantite=Decimal("2"), etat=etat))
    db.session.commit()
    texte = page_text(_client(app, user).get("/mes-interventions/"))
    assert texte.index("Prochaine") < texte.index("Ancienne")  # newest first
    assert "Pas la mienne" not in texte and "Réalisée" in texte
    assert "LD-2025-000001" in texte and "2\u202f000,00\u00a0€" in texte and "Terminée" in texte
    assert "LD-2025-000002" not in texte  # a draft is the structure's


def test_mes_interventions_paginees(app, factory):
    user, profil = _valide(factory)
    for i in range(12):
        _intervention(factory, profil, intitule=f"Session {i:02d}", debut=date(2026, 1, 1) + timedelta(days=i * 7))
    client = _client(app, user)
    premiere = page_text(client.get("/mes-interventions/"))
    seconde = page_text(client.get("/mes-interventions/?page=2"))
    assert "Session 11" in premiere and "Session 00" not in premiere
    assert "Session 00" in seconde and "Session 11" not in seconde


# -- two first interventions at once (PostgreSQL: real concurrent transactions) -----------
from tests.conftest import postgresql_only  # noqa: E402
from tests.outils.concurrence import _en_meme_temps, base_partagee  # noqa: E402, F401


@postgresql_only
def test_premieres_interventions_simultanees_une_seule_immatriculation(app, factory, base_partagee):  # noqa: F811
    from app.models.comptes import Intervenant
    from app.models.interventions import Immatriculation

    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = _valide(factory)
    email, pk, gestionnaire_id, structure = user.email, profil.id, gestionnaire.id, factory.structure("DR-84").id
    db.session.remove()
    donnees = [{"email_intervenant": email, "structure": str(structure), "intitule": f"Simultanée {i}",
                "date_debut": "2030-05-06", "date_fin": "2030-05-06", "duree_jours": "1", "lieu": "Lyon"}
               for i in range(8)]
    reponses = _en_meme_temps(app, gestionnaire_id, "/gestion/interventions/add", "/gestion/interventions/add",
                              donnees)
    assert all(status == 302 for status, _ in reponses)
    assert db.session.scalar(select(func.count()).select_from(Intervention).where(
        Intervention.intervenant_id == pk)) == 8
    numeros = db.session.scalars(select(Immatriculation.numero).where(Immatriculation.intervenant_id == pk)).all()
    assert len(numeros) == 1
    assert db.session.scalar(select(Intervenant.immatriculation).where(Intervenant.id == pk)) == numeros[0]


def test_criteres_de_la_liste_en_francais(app, factory):
    """The list's criteria offer the states as the workflow names them
    (« Prévue », not « prevue »), the people who intervened for the
    structure and its intitulé; each narrows the list."""
    import re

    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _valide(factory)
    _, autre = _valide(factory, last="Durand")
    finances = _intervention(factory, profil, intitule="Finances")
    urbanisme = _intervention(factory, autre, intitule="Urbanisme")
    paie = _intervention(factory, profil, intitule="Paie", etat=EtatIntervention.en_cours)
    _, ailleurs = _valide(factory, last="Ailleurs")
    _intervention(factory, ailleurs, "DR-11", intitule="Paie à Paris")
    client = _client(app, gestionnaire)
    html = client.get("/gestion/interventions/list/").get_data(as_text=True)
    assert '<option value="prevue">Prévue</option>' in html and '<option value="en_cours">En cours</option>' in html
    offerts = set(re.findall(r'<option value="(\d+)">', html.split('name="intervenant"')[1].split("</select>")[0]))
    assert offerts == {str(profil.id), str(autre.id)}  # not who intervened for another structure
    _, nouveau = _valide(factory, last="Nouveau")
    _intervention(factory, nouveau, intitule="Première")
    html = client.get("/gestion/interventions/list/").get_data(as_text=True)
    assert f'<option value="{nouveau.id}">' in html  # read at each request (FAB's widget kept it per process)

    def montrees(criteres: str) -> set[int]:
        page = client.get("/gestion/interventions/list/?" + criteres).get_data(as_text=True)
        return {int(i) for i in re.findall(r'href="/gestion/interventions/show/(\d+)', page)}

    assert montrees("intitule=pai") == {paie.id}
    assert montrees(f"intervenant={autre.id}") == {urbanisme.id}
    assert montrees("etat=en_cours") == {paie.id}
    assert montrees("etat=prevue&intitule=fin") == {finances.id}
    assert montrees(f"intervenant={ailleurs.id}") > {finances.id, urbanisme.id, paie.id}  # not offered: left out


def test_parmi_de_fab_lit_des_valeurs_separees_par_des_virgules(app, factory):
    """FAB's « Parmi » (its data interface, read by the REST APIs' filters)
    reads values separated by commas (FAB iterated the typed string one
    character at a time)."""
    from app.views.interface import InterfaceEspace

    _, profil = _valide(factory)
    finances = _intervention(factory, profil, intitule="Finances")
    _intervention(factory, profil, intitule="Urbanisme")
    paie = _intervention(factory, profil, intitule="Paie", etat=EtatIntervention.en_cours)
    interface = InterfaceEspace(Intervention)

    def trouvees(index: int, valeur: str) -> set[int]:
        filtres = interface.get_filters(["intitule"])
        filtres.add_filter_index("intitule", index, valeur)
        return {i.id for i in interface.query(filtres)[1]}

    assert trouvees(8, "Finances, Paie") == {finances.id, paie.id}
    assert finances.id not in trouvees(9, "Finances,Paie")
