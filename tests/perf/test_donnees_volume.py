"""Scale data generator (issue #6) at a small volume on the test database."""

from __future__ import annotations

import sqlalchemy as sa

from app.donnees.volume import DOMAINE, VOLUME_PASSWORD, generer
from app.extensions import db
from app.models.annonces import Annonce, Candidature
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant, intervenant_specialite
from app.models.parcours import SpecialiteSouhaitee
from app.models.referentiels import Structure
from tests.conftest import login, page_text


def _count(model_or_table, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model_or_table).where(*where))


def _emails() -> list[str]:
    from flask_appbuilder.security.sqla.models import User

    return db.session.scalars(sa.select(User.email).where(User.email.like(f"%@{DOMAINE}")).order_by(User.id)).all()


def test_generer_counts_states_and_uniqueness(app):
    before = _count(Intervenant)
    bilan = generer(200, 50, 300, seed=7)
    db.session.commit()
    assert _count(Intervenant) - before == 200
    assert bilan.lignes["intervenant"] == 200
    assert bilan.lignes["annonce"] == 50
    assert bilan.lignes["candidature"] == 300
    assert _count(Gestionnaire) >= 2 * _count(Structure)
    etats = set(db.session.scalars(sa.select(Intervenant.etat_inscription).distinct()).all())
    assert set(EtatInscription) <= etats
    # Parcours rows and link tables are filled, and the CV-thèque text too.
    assert _count(SpecialiteSouhaitee) >= 200
    assert _count(intervenant_specialite) >= 200
    assert _count(Intervenant, Intervenant.texte_parcours.is_(None)) == 0
    # Issue 23: about a third of the profiles have indisponibilités, valid periods.
    from app.models.indisponibilites import Indisponibilite

    indisponibles = db.session.scalar(sa.select(sa.func.count(Indisponibilite.intervenant_id.distinct())))
    assert 30 <= indisponibles <= 100 and bilan.lignes["indisponibilite"] >= indisponibles
    assert _count(Indisponibilite, Indisponibilite.au < Indisponibilite.du) == 0
    # No duplicate (annonce, intervenant) pair, no duplicate e-mail.
    pairs = db.session.execute(sa.select(Candidature.annonce_id, Candidature.intervenant_id)).all()
    assert len(pairs) == len(set(pairs))
    emails = _emails()
    assert len(emails) == len(set(emails))
    assert len(set(db.session.scalars(sa.select(Annonce.numero)).all())) == _count(Annonce)


def test_same_seed_same_emails(app):
    generer(30, 5, 20, seed=11)
    first = _emails()
    db.session.execute(sa.delete(Candidature))
    db.session.execute(sa.delete(Annonce))
    from flask_appbuilder.security.sqla.models import User

    user_ids = sa.select(User.id).where(User.email.like(f"%@{DOMAINE}"))
    db.session.execute(sa.delete(Intervenant).where(Intervenant.user_id.in_(user_ids)))
    db.session.execute(sa.delete(Gestionnaire).where(Gestionnaire.user_id.in_(user_ids)))
    from flask_appbuilder.security.sqla.models import assoc_user_role

    db.session.execute(sa.delete(assoc_user_role).where(assoc_user_role.c.user_id.in_(user_ids)))
    db.session.execute(sa.delete(User).where(User.email.like(f"%@{DOMAINE}")))
    generer(30, 5, 20, seed=11)
    assert _emails() == first
    assert first, "the generator wrote no account"


def test_generated_accounts_log_in_and_pages_answer(app, login_as):
    generer(60, 20, 80, seed=3)
    db.session.commit()
    profil = db.session.scalars(
        sa.select(Intervenant).where(Intervenant.etat_inscription == EtatInscription.validee).limit(1)
    ).one()
    client = app.test_client()
    login(client, profil.user.email, VOLUME_PASSWORD)  # asserts the 302 of a successful login
    parcours = client.get("/profil/parcours")
    assert parcours.status_code == 200
    assert profil.specialites_souhaitees[0].sous_specialite.libelle in page_text(parcours)
    assert client.get("/mes-reponses-aux-annonces/").status_code == 200

    public = app.test_client()
    assert public.get("/annonces/").status_code == 200
    annonce = db.session.scalars(sa.select(Annonce).where(Annonce.etat == "publiee").limit(1)).first()
    if annonce is not None:
        assert public.get(f"/annonces/{annonce.numero}").status_code == 200

    gestionnaire = login_as("gestionnaire")
    response = gestionnaire.get("/cvtheque/?q=formation")
    assert response.status_code == 200


def test_small_chunks_keep_parents_before_link_rows(app, monkeypatch):
    """Regression: a full link-table buffer used to be written before its
    intervenant rows (foreign key failure on the real command)."""
    monkeypatch.setattr("app.donnees.volume.CHUNK", 7)
    bilan = generer(25, 6, 20, seed=5)
    assert bilan.lignes["intervenant"] == 25
    assert bilan.lignes["candidature"] == 20


def test_dossiers_and_support_requests_for_the_bench(app, login_as, monkeypatch):
    """Issues 20 and 22: dossiers of validated intervenants with their blocks
    in every state, pieces, requests and history; support requests numbered
    like the desk's, routed by type, in every state. The trainer's page and
    the two queues answer on them."""
    from app.models.dossier import BlocDossier, DemandeDossier, DossierAdministratif, EtatBloc, PieceDossier
    from app.models.support import DemandeSupport, EtatDemandeSupport, MessageSupport
    from app.models.workflow import TransitionHistorique

    monkeypatch.setattr("app.donnees.volume.CHUNK", 50)  # parents before their rows across chunks
    bilan = generer(90, 10, 40, seed=4, dossiers=20, support=300)
    db.session.commit()
    valides = _count(Intervenant, Intervenant.etat_inscription == EtatInscription.validee)
    assert bilan.lignes["dossier_administratif"] == min(20, valides) == _count(DossierAdministratif)
    assert _count(BlocDossier) == 8 * _count(DossierAdministratif)
    assert set(db.session.scalars(sa.select(BlocDossier.etat).distinct())) == set(EtatBloc)
    assert _count(DossierAdministratif, ~DossierAdministratif.intervenant_id.in_(
        sa.select(Intervenant.id).where(Intervenant.etat_inscription == EtatInscription.validee))) == 0
    # every requested block has its structure's request, every sent one its history row
    assert _count(BlocDossier, BlocDossier.etat != EtatBloc.vide, ~sa.exists().where(
        DemandeDossier.dossier_id == BlocDossier.dossier_id,
        DemandeDossier.structure_id == BlocDossier.structure_id)) == 0
    assert _count(TransitionHistorique, TransitionHistorique.evenement == "transmettre") == _count(
        BlocDossier, BlocDossier.date_transmission.is_not(None))
    assert _count(PieceDossier) > 0
    assert bilan.lignes["demande_support"] == 300 == _count(DemandeSupport)
    numeros = db.session.scalars(sa.select(DemandeSupport.numero)).all()
    assert len(set(numeros)) == 300 and all(len(n) == 10 and n.isdigit() and n[6:] != "0000" for n in numeros)
    assert set(db.session.scalars(sa.select(DemandeSupport.etat).distinct())) == set(EtatDemandeSupport)
    assert _count(DemandeSupport, DemandeSupport.structure_id.is_(None)) > 0
    assert _count(MessageSupport) > 0

    # the pages of the bench answer on this data
    dossier = db.session.scalars(sa.select(DossierAdministratif).order_by(DossierAdministratif.id)).first()
    client = app.test_client()
    login(client, dossier.intervenant.user.email, VOLUME_PASSWORD)
    page = client.get("/mon-dossier/")
    assert page.status_code == 200 and "Historique des actions" in page_text(page)
    structure = db.session.get(Structure, db.session.scalar(
        sa.select(BlocDossier.structure_id).where(BlocDossier.structure_id.is_not(None)).limit(1)))
    gestionnaire = login_as("gestionnaire", structure.code)
    assert gestionnaire.get("/gestion/dossiers/list/").status_code == 200
    assert gestionnaire.get("/gestion/support/").status_code == 200


def test_interventions_and_lettres_for_the_bench(app, login_as, monkeypatch):
    """Issue 23: interventions of validated intervenants in the state their
    dates give, lettres in the matching state, the immatriculation of whoever
    intervened; both pages of the bench answer on them."""
    from datetime import date

    from app.models.interventions import EtatIntervention, EtatLettre, Immatriculation, Intervention, LettreDemande

    monkeypatch.setattr("app.donnees.volume.CHUNK", 50)  # parents before their rows across chunks
    bilan = generer(120, 10, 40, seed=6, interventions=400)
    db.session.commit()
    assert bilan.lignes["intervention"] == 400 == _count(Intervention)
    assert _count(Intervention, ~Intervention.intervenant_id.in_(
        sa.select(Intervenant.id).where(Intervenant.etat_inscription == EtatInscription.validee))) == 0
    assert set(db.session.scalars(sa.select(Intervention.etat).distinct())) == set(EtatIntervention)
    assert set(db.session.scalars(sa.select(LettreDemande.etat).distinct())) == set(EtatLettre)
    aujourdhui = date.today()
    assert _count(Intervention, Intervention.etat == EtatIntervention.realisee, Intervention.date_fin >= aujourdhui) == 0
    assert _count(Intervention, Intervention.etat == EtatIntervention.prevue, Intervention.date_debut <= aujourdhui) == 0
    assert _count(LettreDemande, LettreDemande.etat == EtatLettre.terminee, ~LettreDemande.intervention_id.in_(
        sa.select(Intervention.id).where(Intervention.etat == EtatIntervention.realisee))) == 0
    numeros = db.session.scalars(sa.select(LettreDemande.numero)).all()
    assert len(set(numeros)) == len(numeros) and all(n.startswith("LD-") for n in numeros)
    intervenus = set(db.session.scalars(sa.select(Intervention.intervenant_id).distinct()))
    assert set(db.session.scalars(sa.select(Immatriculation.intervenant_id))) == intervenus
    assert _count(Intervenant, Intervenant.id.in_(intervenus), Intervenant.immatriculation.is_(None)) == 0
    assert _count(Immatriculation, ~sa.exists().where(Intervenant.id == Immatriculation.intervenant_id,
                                                       Intervenant.immatriculation == Immatriculation.numero)) == 0

    # the command adds to the intervenants who have none; the pages answer
    runner = app.test_cli_runner()
    assert runner.invoke(args=["volume", "interventions", "--interventions", "10"]).exit_code == 0
    assert _count(Intervention) == 410
    assert _count(Intervention, Intervention.intervenant_id.in_(intervenus), Intervention.id > 400) == 0
    profil = db.session.get(Intervenant, min(intervenus))
    client = app.test_client()
    login(client, profil.user.email, VOLUME_PASSWORD)
    assert client.get("/mes-interventions/").status_code == 200
    structure = db.session.get(Structure, db.session.scalar(sa.select(Intervention.structure_id).limit(1)))
    assert login_as("gestionnaire", structure.code).get("/gestion/interventions/list/").status_code == 200


def test_indisponibilites_added_to_an_older_volume(app):
    """``flask volume indisponibilites``: the profiles without any get theirs
    (a volume generated before issue 23); a second run adds nothing."""
    from app.models.indisponibilites import Indisponibilite

    generer(80, 5, 10, seed=9)
    db.session.execute(sa.delete(Indisponibilite))
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["volume", "indisponibilites"]).exit_code == 0
    ajoutees = _count(Indisponibilite)
    assert ajoutees > 0 and _count(Indisponibilite, Indisponibilite.au < Indisponibilite.du) == 0
    par_profil = dict(db.session.execute(sa.select(Indisponibilite.intervenant_id, sa.func.count())
                                         .group_by(Indisponibilite.intervenant_id)).all())
    assert runner.invoke(args=["volume", "indisponibilites"]).exit_code == 0
    apres = dict(db.session.execute(sa.select(Indisponibilite.intervenant_id, sa.func.count())
                                    .group_by(Indisponibilite.intervenant_id)).all())
    assert all(apres[pid] == n for pid, n in par_profil.items())  # only those left without one get some
