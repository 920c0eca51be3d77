"""Interventions and lettres de demande (issue 23): workflows as tables, the
immatriculation given once, the unregistration rule (point 6)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.interventions import (
    EtatIntervention,
    EtatLettre,
    Immatriculation,
    Intervention,
    LettreDemande,
    ModeRemuneration,
)
from app.models.workflow import TransitionHistorique
from app.operations.interventions import (
    DonneesInvalides,
    attribuer_immatriculation,
    creer_intervention,
    modifier_intervention,
    situation_desinscription,
)
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite
from app.workflows.intervention import intervention as wf_intervention
from app.workflows.intervention import lettre as wf_lettre

EI, L = EtatIntervention, EtatLettre
AUJOURDHUI = date.today()


def _structure_id(factory, code="DR-84"):
    return factory.structure(code).id


def _intervenant_valide(factory, code="DR-84"):
    user, profil = factory.intervenant(code)
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    return user, profil


def _intervention(factory, profil, etat=EI.prevue, *, code="DR-84", debut=None, fin=None):
    debut = debut or AUJOURDHUI + timedelta(days=10)
    ligne = Intervention(intervenant_id=profil.id, structure_id=_structure_id(factory, code), intitule="Budget",
                         date_debut=debut, date_fin=fin or debut + timedelta(days=1), duree_jours=Decimal("2"),
                         lieu="Lyon", etat=etat)
    db.session.add(ligne)
    db.session.flush()
    return ligne


def _lettre(intervention, etat=L.brouillon):
    ligne = LettreDemande(intervention_id=intervention.id, date_lettre=AUJOURDHUI,
                          mode_remuneration=ModeRemuneration.journalier, taux=Decimal("450"),
                          quantite=Decimal("2"), etat=etat)
    db.session.add(ligne)
    db.session.flush()
    return ligne


# -- the workflows, as tables ---------------------------------------------------------
INTERVENTION_PERMISES = [
    (EI.prevue, "demarrer", EI.en_cours),
    (EI.prevue, "realiser", EI.realisee),
    (EI.en_cours, "realiser", EI.realisee),
    (EI.prevue, "annuler", EI.annulee),
    (EI.en_cours, "annuler", EI.annulee),
]
INTERVENTION_INTERDITES = [
    (EI.en_cours, "demarrer"), (EI.realisee, "demarrer"), (EI.annulee, "demarrer"),
    (EI.realisee, "realiser"), (EI.annulee, "realiser"),
    (EI.realisee, "annuler"), (EI.annulee, "annuler"),
]
LETTRE_PERMISES = [
    (L.brouillon, "envoyer", L.envoyee),
    (L.envoyee, "accepter", L.acceptee),
    (L.acceptee, "executer", L.en_cours_execution),
    (L.en_cours_execution, "terminer", L.terminee),
    (L.brouillon, "annuler", L.annulee),
    (L.envoyee, "annuler", L.annulee),
    (L.acceptee, "annuler", L.annulee),
    (L.en_cours_execution, "annuler", L.annulee),
]
LETTRE_INTERDITES = [
    (L.envoyee, "envoyer"), (L.brouillon, "accepter"), (L.brouillon, "executer"), (L.envoyee, "executer"),
    (L.acceptee, "terminer"), (L.terminee, "annuler"), (L.annulee, "annuler"), (L.terminee, "envoyer"),
]


@pytest.mark.parametrize(("source", "evenement", "cible"), INTERVENTION_PERMISES)
def test_intervention_transitions_permises(factory, source, evenement, cible):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    ligne = _intervention(factory, profil, source)
    historique = wf_intervention.apply(ligne, evenement, Acteur.from_user(gestionnaire), "Motif")
    assert ligne.etat == cible
    assert (historique.etat_avant, historique.etat_apres, historique.acteur_id) == (
        source.value, cible.value, gestionnaire.id)


@pytest.mark.parametrize(("source", "evenement"), INTERVENTION_INTERDITES)
def test_intervention_transitions_interdites(factory, source, evenement):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    ligne = _intervention(factory, profil, source)
    with pytest.raises(TransitionInterdite):
        wf_intervention.apply(ligne, evenement, Acteur.from_user(gestionnaire), "Motif")
    assert ligne.etat == source


@pytest.mark.parametrize(("source", "evenement", "cible"), LETTRE_PERMISES)
def test_lettre_transitions_permises(factory, source, evenement, cible):
    admin = factory.admin_national()
    _, profil = _intervenant_valide(factory)
    ligne = _lettre(_intervention(factory, profil, code="DR-11"), source)
    wf_lettre.apply(ligne, evenement, Acteur.from_user(admin), "Motif")
    assert ligne.etat == cible
    assert db.session.scalar(select(func.count()).select_from(TransitionHistorique).where(
        TransitionHistorique.workflow == "lettre_demande", TransitionHistorique.objet_id == ligne.id)) == 1


@pytest.mark.parametrize(("source", "evenement"), LETTRE_INTERDITES)
def test_lettre_transitions_interdites(factory, source, evenement):
    _, profil = _intervenant_valide(factory)
    ligne = _lettre(_intervention(factory, profil), source)
    with pytest.raises(TransitionInterdite):
        wf_lettre.apply(ligne, evenement, Acteur.systeme(), "Motif")


@pytest.mark.parametrize("acteur", ["gestionnaire_autre_structure", "intervenant"])
def test_seul_le_personnel_de_la_structure_agit(factory, acteur):
    _, profil = _intervenant_valide(factory)
    ligne = _intervention(factory, profil)
    user = factory.gestionnaire("DR-11") if acteur == "gestionnaire_autre_structure" else profil.user
    with pytest.raises(GardeRefusee):
        wf_intervention.apply(ligne, "demarrer", Acteur.from_user(user))
    with pytest.raises(GardeRefusee):
        wf_lettre.apply(_lettre(ligne), "envoyer", Acteur.from_user(user))


def test_annuler_l_intervention_annule_ses_lettres_en_vigueur(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    ligne = _intervention(factory, profil)
    terminee, envoyee = _lettre(ligne, L.terminee), _lettre(ligne, L.envoyee)
    wf_intervention.apply(ligne, "annuler", Acteur.from_user(gestionnaire), "Session reportée")
    assert (envoyee.etat, terminee.etat) == (L.annulee, L.terminee)
    assert situation_desinscription(profil.id).lettre_en_cours is False
    assert [h.commentaire for h in wf_lettre.history(envoyee)] == ["Intervention annulée"]


# -- creation and the immatriculation --------------------------------------------------
def _champs(**autres):
    debut = AUJOURDHUI + timedelta(days=5)
    return {"intitule": "Finances locales", "date_debut": debut, "date_fin": debut + timedelta(days=2),
            "duree_jours": Decimal("3"), "lieu": "Lyon", **autres}


def test_la_premiere_intervention_donne_l_immatriculation_une_seule_fois(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    assert profil.immatriculation is None
    acteur = Acteur.from_user(gestionnaire)
    creer_intervention(profil, _structure_id(factory), acteur, **_champs())
    numero = profil.immatriculation
    assert numero and numero.startswith("IMM")
    creer_intervention(profil, _structure_id(factory), acteur, **_champs(intitule="Seconde"))
    assert profil.immatriculation == numero
    assert attribuer_immatriculation(profil) == numero
    assert db.session.scalar(select(func.count()).select_from(Immatriculation).where(
        Immatriculation.intervenant_id == profil.id)) == 1


def test_immatriculations_uniques_et_jamais_reutilisees(factory):
    _, premier = _intervenant_valide(factory)
    _, second = _intervenant_valide(factory)
    a = attribuer_immatriculation(premier)
    ligne = db.session.scalar(select(Immatriculation).where(Immatriculation.numero == a))
    db.session.delete(ligne)  # even a deleted number is not given again
    db.session.flush()
    b = attribuer_immatriculation(second)
    assert a != b and int(b[3:]) > int(a[3:])


def test_immatriculation_deja_prise_par_une_autre_requete(factory):
    """Two first interventions at once: the loser reads the winner's number."""
    _, profil = _intervenant_valide(factory)
    db.session.add(Immatriculation(intervenant_id=profil.id, numero="IMM9999999"))
    db.session.flush()
    assert attribuer_immatriculation(profil) == "IMM9999999"
    assert profil.immatriculation == "IMM9999999"


@pytest.mark.parametrize(("champs", "champ_en_erreur"), [
    ({"date_fin": AUJOURDHUI}, "date_fin"),
    ({"duree_jours": Decimal("0")}, "duree_jours"),
    ({"duree_jours": Decimal("9")}, "duree_jours"),
])
def test_creation_refusee_avec_le_champ(factory, champs, champ_en_erreur):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    with pytest.raises(DonneesInvalides) as erreur:
        creer_intervention(profil, _structure_id(factory), Acteur.from_user(gestionnaire), **_champs(**champs))
    assert champ_en_erreur in erreur.value.erreurs
    assert profil.immatriculation is None


def test_creation_hors_structure_ou_profil_non_valide(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    with pytest.raises(GardeRefusee):
        creer_intervention(profil, _structure_id(factory, "DR-11"), Acteur.from_user(gestionnaire), **_champs())
    _, brouillon = factory.intervenant("DR-84")
    with pytest.raises(DonneesInvalides):
        creer_intervention(brouillon, _structure_id(factory), Acteur.from_user(gestionnaire), **_champs())


def test_modification_refusee_une_fois_realisee(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _intervenant_valide(factory)
    ligne = _intervention(factory, profil, EI.realisee)
    with pytest.raises(TransitionInterdite):
        modifier_intervention(ligne, Acteur.from_user(gestionnaire), lieu="Paris")


# -- « Me désinscrire » (point 6) --------------------------------------------------------
def test_situation_jamais_intervenu(factory):
    _, profil = _intervenant_valide(factory)
    situation = situation_desinscription(profil.id)
    assert situation.lettre_en_cours is False and situation.fin_derniere_intervention is None


@pytest.mark.parametrize(("etat", "bloque"), [
    (L.brouillon, False), (L.envoyee, True), (L.acceptee, True), (L.en_cours_execution, True),
    (L.terminee, False), (L.annulee, False),
])
def test_situation_lettre_programmee_ou_en_cours(factory, etat, bloque):
    _, profil = _intervenant_valide(factory)
    _, autre = _intervenant_valide(factory)
    _lettre(_intervention(factory, profil), etat)
    _lettre(_intervention(factory, autre), L.envoyee)  # someone else's
    assert situation_desinscription(profil.id).lettre_en_cours is bloque


def test_situation_fin_de_la_derniere_intervention_non_annulee(factory):
    _, profil = _intervenant_valide(factory)
    _intervention(factory, profil, EI.realisee, debut=date(2023, 3, 1), fin=date(2023, 3, 3))
    _intervention(factory, profil, EI.realisee, debut=date(2024, 6, 10), fin=date(2024, 6, 12))
    _intervention(factory, profil, EI.annulee, debut=date(2025, 1, 5), fin=date(2025, 1, 6))
    assert situation_desinscription(profil.id).fin_derniere_intervention == date(2024, 6, 12)


# -- demo (point 7) ----------------------------------------------------------------------
def test_la_demo_couvre_chaque_etat_et_est_idempotente(app, demo):
    from app.donnees.demo import load_demo

    load_demo()
    compte = db.session.scalar(select(func.count()).select_from(Intervention))
    etats = set(db.session.scalars(select(Intervention.etat).distinct()))
    etats_lettres = set(db.session.scalars(select(LettreDemande.etat).distinct()))
    personnes = db.session.scalar(select(func.count(Intervention.intervenant_id.distinct())))
    assert etats == set(EI) and etats_lettres == set(L) and personnes >= 3
    assert all(lettre.fichier_id for lettre in db.session.scalars(select(LettreDemande)))
    load_demo()
    assert db.session.scalar(select(func.count()).select_from(Intervention)) == compte
