"""Each row-level rule of ``app.security.scope`` has a Python form (guards,
pages) and a SQL form (FAB filters, declared lists, the API): on one small
scene, for every kind of user, both select exactly the same rows.

The scene: structures S (DR-84) and T (DR-11); trainers
A attached to S; B attached to T, applied to an annonce of S; C attached to
T, an intervention for S; D without structure, applied to an annonce of T,
answered a dossier request of S; E without structure, a request of T not
answered."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import and_, select

from app.extensions import db
from app.models.annonces import Annonce, Candidature
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.dossier import DemandeDossier, DossierAdministratif
from app.models.interventions import Intervention
from app.models.referentiels import Structure
from app.operations.dossier import acces_acteur, condition_acces
from app.security import scope
from app.workflows.core import Acteur

QUI = ["admin_national", "gestionnaire_S", "gestionnaire_T", "gestionnaire_sans_structure", "intervenant", "systeme"]


@pytest.fixture
def monde(factory):
    s, t = factory.structure("DR-84"), factory.structure("DR-11")
    profils = {nom: factory.intervenant(code)[1] for nom, code in
               (("A", "DR-84"), ("B", "DR-11"), ("C", "DR-11"), ("D", None), ("E", None))}
    jour = date.today()
    annonces = {}
    for structure in (s, t):
        annonces[structure.code] = Annonce(numero=f"F{structure.id:05d}", intitule="Formation", description="…",
                                           date_limite=jour + timedelta(days=30), structure_id=structure.id)
        db.session.add(annonces[structure.code])
    db.session.flush()
    db.session.add_all([
        Candidature(annonce_id=annonces["DR-84"].id, intervenant_id=profils["B"].id),
        Candidature(annonce_id=annonces["DR-11"].id, intervenant_id=profils["D"].id),
        Intervention(intervenant_id=profils["C"].id, structure_id=s.id, intitule="Action", date_debut=jour,
                     date_fin=jour, duree_jours=1, lieu="Lyon"),
    ])
    for nom, structure, reponse in (("D", s, utcnow()), ("E", t, None)):
        dossier = DossierAdministratif(intervenant_id=profils[nom].id)
        db.session.add(dossier)
        db.session.flush()
        db.session.add(DemandeDossier(dossier_id=dossier.id, structure_id=structure.id, blocs="identite",
                                      date=utcnow(), date_reponse=reponse))
    sans = factory.create_user("Gestionnaire")
    users = {
        "admin_national": factory.admin_national(),
        "gestionnaire_S": factory.gestionnaire("DR-84"),
        "gestionnaire_T": factory.gestionnaire("DR-11"),
        "gestionnaire_sans_structure": sans,
        "intervenant": profils["A"].user,
    }
    db.session.commit()
    acteurs = {nom: Acteur.from_user(user) for nom, user in users.items()} | {"systeme": Acteur.systeme()}
    return s, t, profils, acteurs


def _noms(profils, ids) -> set[str]:
    return {nom for nom, p in profils.items() if p.id in ids}


def _intervenants(profils, condition) -> set[int]:
    ids = [p.id for p in profils.values()]
    return set(db.session.scalars(select(Intervenant.id).where(Intervenant.id.in_(ids), condition)))


# rule → (SQL on Intervenant rows, Python on one trainer, what gestionnaire_S gets)
REGLES = {
    "ma structure": (lambda p, a: p.filtre(Intervenant.structure_id),
                     lambda p, a, i: p.couvre(i.structure_id), {"A"}),
    "lié à ma structure": (lambda p, a: p.filtre_lies(),
                           lambda p, a, i: p.lie(i.id, i.structure_id), {"A", "B"}),
    "dossier (besoin d'en connaître)": (
        lambda p, a: p.filtre_selon(lambda mienne: condition_acces(Intervenant.id, mienne)),
        lambda p, a, i: acces_acteur(i.id, a), {"C", "D"}),
}


@pytest.mark.parametrize("qui", QUI)
@pytest.mark.parametrize("regle", list(REGLES))
def test_sql_and_python_forms_agree(monde, regle, qui):
    _, _, profils, acteurs = monde
    sql, python, attendu_s = REGLES[regle]
    acteur = acteurs[qui]
    perimetre = scope.perimetre_de(acteur)
    par_sql = _noms(profils, _intervenants(profils, sql(perimetre, acteur)))
    par_python = {nom for nom, profil in profils.items() if python(perimetre, acteur, profil)}
    assert par_sql == par_python
    if qui == "gestionnaire_S":
        assert par_sql == attendu_s
    elif qui == "admin_national":
        assert par_sql == set(profils)
    elif qui in ("gestionnaire_sans_structure", "intervenant", "systeme"):
        assert par_sql == set()


@pytest.mark.parametrize("qui", QUI)
def test_rows_under_a_parent_in_scope(monde, qui):
    """``filtre_via`` (a candidature's annonce, a lettre's intervention)
    selects the rows whose parent ``couvre`` accepts."""
    _, _, profils, acteurs = monde
    perimetre = scope.perimetre_de(acteurs[qui])
    ids = [p.id for p in profils.values()]
    lignes = db.session.execute(select(Candidature.id, Annonce.structure_id).join(
        Annonce, Annonce.id == Candidature.annonce_id).where(Candidature.intervenant_id.in_(ids))).all()
    par_sql = set(db.session.scalars(select(Candidature.id).where(
        Candidature.intervenant_id.in_(ids),
        perimetre.filtre_via(Candidature.annonce_id, Annonce.id, Annonce.structure_id))))
    assert par_sql == {c for c, structure in lignes if perimetre.couvre(structure)}
    assert len(par_sql) == {"admin_national": 2, "gestionnaire_S": 1, "gestionnaire_T": 1}.get(qui, 0)


def test_linked_both_ways(monde):
    """``lie_a_structure`` read from a structure (its trainers) and from a
    trainer (their structures, the messagerie's) gives the same pairs."""
    s, t, profils, _ = monde
    par_structure = {(structure.code, nom) for structure in (s, t) for nom in _noms(profils, _intervenants(
        profils, scope.lie_a_structure(Intervenant.id, Intervenant.structure_id, structure.id)))}
    par_intervenant = {(code, nom) for nom, p in profils.items() for code in db.session.scalars(
        select(Structure.code).where(Structure.id.in_([s.id, t.id]),
                                     scope.lie_a_structure(p.id, p.structure_id, Structure.id)))}
    assert par_structure == par_intervenant == {
        ("DR-84", "A"), ("DR-84", "B"), ("DR-11", "B"), ("DR-11", "C"), ("DR-11", "D")}


@pytest.mark.parametrize("qui", [q for q in QUI if q != "systeme"])
def test_visible_requests_both_forms(app, monde, qui):
    """``demande_visible`` (pages, files) and ``demandes_visibles`` (the FAB
    filter of the requests and the API) agree: drafts never, else the scope."""
    from flask_login import login_user

    _, _, profils, acteurs = monde
    etats = {"A": EtatInscription.transmise, "B": EtatInscription.brouillon, "C": EtatInscription.validee,
             "D": EtatInscription.transmise, "E": EtatInscription.rejetee}
    for nom, etat in etats.items():
        profils[nom].etat_inscription = etat
    db.session.flush()
    with app.test_request_context():
        login_user(db.session.get(User, acteurs[qui].user_id))
        par_sql = _noms(profils, _intervenants(profils, and_(*scope.demandes_visibles())))
        par_python = {nom for nom, p in profils.items() if scope.demande_visible(p.etat_inscription, p.structure_id)}
    assert par_sql == par_python
    assert len(par_sql) == {"admin_national": 4, "gestionnaire_S": 1, "gestionnaire_T": 1}.get(qui, 0)
