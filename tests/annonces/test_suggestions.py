"""Suggestions between annonces and intervenants (issue 37): hand-built cases
with their expected order, the hard rules, both directions of the one
ranking, « Inviter à candidater » once whatever the clicks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models.annonces import Candidature
from app.models.comptes import EtatInscription, Intervenant
from app.models.indisponibilites import Indisponibilite
from app.models.interventions import EtatIntervention, Intervention
from app.models.messagerie import DestinataireMessage
from app.models.outbox import OutboxMessage
from app.models.referentiels import Departement, Region
from app.models.suggestions import InvitationAnnonce
from app.operations import executer
from app.operations.suggestions import (
    POIDS,
    POUR_VOUS_TABLEAU,
    SuggestionRefusee,
    annonces_pour,
    annonces_pour_gardees,
    inviter,
    regles_dures_violees,
    score,
    suggestions_annonce,
    suggestions_annonce_gardees,
)
from tests.outils.annonces import count_queries, creer_annonce, ref
from tests.outils.suggestions import formateur


def annonce_fi(**kw):
    kw.setdefault("specialites", ("FI",))
    kw.setdefault("sous_specialites", ("FI1",))
    kw.setdefault("intitule", "Préparation budgétaire des collectivités")
    return creer_annonce(**kw)


def ordre(annonce, profils) -> list[int]:
    """The suggested ids among ``profils`` (the test database may hold others)."""
    ids = {p.id for p in profils}
    return [s.intervenant_id for s in suggestions_annonce(annonce.id) if s.intervenant_id in ids]


# -- expected orders ---------------------------------------------------------------
def test_exact_specialite_beats_same_domaine(app, factory):
    _, meme_domaine = formateur(factory, sous=("FI2",), first="Domaine")
    _, exact = formateur(factory, sous=("FI1",), first="Exact")
    annonce = annonce_fi()
    assert ordre(annonce, [meme_domaine, exact]) == [exact.id, meme_domaine.id]
    raisons = {s.intervenant_id: s.raisons for s in suggestions_annonce(annonce.id)}
    assert "spécialité en commun : Préparation et exécution budgétaire" in raisons[exact.id]
    assert "même domaine : Finances et gestion financière" in raisons[meme_domaine.id]
    assert "intervient en Auvergne-Rhône-Alpes" in raisons[exact.id]


def test_one_exact_specialite_outweighs_everything_else():
    sans_exact = {"exact": 0, "domaine": 9, "zone": 3, "structure": 9, "experience": 9, "texte": 9}
    un_exact = {"exact": 1, "domaine": 1, "zone": 1, "structure": 0, "experience": 0, "texte": 0}
    assert score(un_exact) > score(sans_exact)
    assert POIDS["exact"] == 100


def test_departement_is_more_precise_than_region(app, factory):
    rhone = ref(Departement, "69")
    _, region = formateur(factory, regions=("84",))
    _, departement = formateur(factory, regions=("84",), departements=("69",))
    annonce = annonce_fi(departements=("69",))
    assert ordre(annonce, [region, departement]) == [departement.id, region.id]
    raisons = {s.intervenant_id: s.raisons for s in suggestions_annonce(annonce.id)}
    assert f"intervient dans le département {rhone.nom}" in raisons[departement.id]


def test_experience_with_the_structure_counts_and_is_capped(app, factory):
    _, nouveau = formateur(factory)
    _, habitue = formateur(factory)
    annonce = annonce_fi()
    for k in range(6):
        db.session.add(Intervention(intervenant_id=habitue.id, structure_id=annonce.structure_id, intitule=f"S{k}",
                                    date_debut=date(2025, 1, 1 + k), date_fin=date(2025, 1, 1 + k), duree_jours=1,
                                    lieu="Lyon", etat=EtatIntervention.realisee))
    db.session.commit()
    assert ordre(annonce, [nouveau, habitue]) == [habitue.id, nouveau.id]
    suggestion = next(s for s in suggestions_annonce(annonce.id) if s.intervenant_id == habitue.id)
    assert "6 interventions pour Délégation régionale Auvergne-Rhône-Alpes" in suggestion.raisons or any(
        r.startswith("6 interventions pour") for r in suggestion.raisons)
    # capped: 6 interventions weigh as 4
    assert suggestion.score == score(suggestion.composantes)
    assert suggestion.score - next(s for s in suggestions_annonce(annonce.id)
                                   if s.intervenant_id == nouveau.id).score == 4 * POIDS["structure"] + 4 * POIDS["experience"]


def test_text_of_the_parcours_breaks_ties(app, factory):
    _, muet = formateur(factory, texte="Animation d'ateliers")
    _, parlant = formateur(factory, texte="Vingt ans de préparation budgétaire dans des collectivités")
    annonce = annonce_fi()
    assert ordre(annonce, [muet, parlant]) == [parlant.id, muet.id]


def test_ties_rotate_least_recently_invited_first(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    profils = [formateur(factory)[1] for _ in range(3)]
    premiere = annonce_fi()
    tete = ordre(premiere, profils)[0]
    executer(inviter, premiere.id, [tete], gestionnaire.id)
    seconde = annonce_fi(intitule="Exécution budgétaire")
    nouvel_ordre = ordre(seconde, profils)
    assert nouvel_ordre[-1] == tete  # invited last week: behind the equals never invited
    assert set(nouvel_ordre) == {p.id for p in profils}


# -- hard rules -----------------------------------------------------------------------
def test_unavailable_trainer_is_excluded(app, factory):
    _, libre = formateur(factory)
    _, pris = formateur(factory)
    debut = date.today() + timedelta(days=40)
    db.session.add(Indisponibilite(intervenant_id=pris.id, du=debut + timedelta(days=1), au=debut + timedelta(days=3)))
    db.session.commit()
    annonce = annonce_fi(date_debut=debut, date_fin=debut + timedelta(days=2))
    assert ordre(annonce, [libre, pris]) == [libre.id]
    assert "disponible sur la période" in suggestions_annonce(annonce.id)[0].raisons
    assert regles_dures_violees(annonce.id, [pris.id]) == {pris.id: "indisponible sur la période"}


def test_candidate_is_excluded(app, factory):
    _, candidat = formateur(factory)
    _, autre = formateur(factory)
    annonce = annonce_fi()
    db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=candidat.id))
    db.session.commit()
    assert ordre(annonce, [candidat, autre]) == [autre.id]
    assert regles_dures_violees(annonce.id, [candidat.id]) == {candidat.id: "a déjà candidaté"}


@pytest.mark.parametrize("etat", [EtatInscription.archivee, EtatInscription.transmise, EtatInscription.rejetee])
def test_only_validated_trainers(app, factory, etat):
    _, profil = formateur(factory, etat=etat)
    annonce = annonce_fi()
    assert ordre(annonce, [profil]) == []


def test_zone_must_cover_the_place(app, factory):
    _, ailleurs = formateur(factory, regions=("11",))
    _, partout = formateur(factory, regions=tuple(db.session.scalars(select(Region.code).where(Region.actif))))
    annonce = annonce_fi()
    assert ordre(annonce, [ailleurs, partout]) == [partout.id]
    assert regles_dures_violees(annonce.id, [ailleurs.id]) == {
        ailleurs.id: "zone d'intervention hors du lieu de l'annonce"}
    # an annonce for « toute la France » (neither région nor département) is open to all, no place given as reason
    pour_tous = annonce_fi(regions=())
    assert set(ordre(pour_tous, [ailleurs, partout])) == {ailleurs.id, partout.id}
    assert all(not r.startswith("intervient") for s in suggestions_annonce(pour_tous.id) for r in s.raisons)


def test_no_common_domaine_no_suggestion(app, factory):
    _, autre_domaine = formateur(factory, sous=("RH1",))
    assert ordre(annonce_fi(), [autre_domaine]) == []


def test_identity_fields_change_nothing(app, factory):
    _, madame = formateur(factory, texte="budgétaire")
    _, monsieur = formateur(factory, texte="budgétaire")
    monsieur.civilite, monsieur.date_naissance = "M", date(1950, 1, 1)
    db.session.commit()
    annonce = annonce_fi()
    scores = {s.intervenant_id: s.score for s in suggestions_annonce(annonce.id)}
    assert scores[madame.id] == scores[monsieur.id]


# -- the other way ---------------------------------------------------------------------
def test_annonces_pour_vous_same_rules_read_the_other_way(app, factory):
    _, profil = formateur(factory, sous=("FI1",), texte="budgétaire")
    exacte = annonce_fi()
    domaine = annonce_fi(sous_specialites=("FI2",), intitule="Finances locales")
    repondue = annonce_fi()
    hors_zone = annonce_fi(regions=("11",))
    autre = creer_annonce(specialites=("RH",), sous_specialites=("RH1",))
    db.session.add(Candidature(annonce_id=repondue.id, intervenant_id=profil.id))
    db.session.commit()
    pour_vous = [s for s in annonces_pour(profil.id) if s.annonce_id in
                 {exacte.id, domaine.id, repondue.id, hors_zone.id, autre.id}]
    assert [s.annonce_id for s in pour_vous] == [exacte.id, domaine.id]
    # the same score both ways
    cote_annonce = {s.intervenant_id: s.score for s in suggestions_annonce(exacte.id)}
    assert pour_vous[0].score == cote_annonce[profil.id]
    assert pour_vous[0].raisons[0] == "spécialité en commun : Préparation et exécution budgétaire"
    assert "vous intervenez en Auvergne-Rhône-Alpes" in pour_vous[0].raisons


def test_annonces_pour_vous_skip_unavailable_periods(app, factory):
    _, profil = formateur(factory)
    debut = date.today() + timedelta(days=40)
    db.session.add(Indisponibilite(intervenant_id=profil.id, du=debut, au=debut))
    db.session.commit()
    pendant = annonce_fi(date_debut=debut - timedelta(days=1), date_fin=debut + timedelta(days=1))
    apres = annonce_fi(date_debut=debut + timedelta(days=5), date_fin=debut + timedelta(days=6))
    ids = [s.annonce_id for s in annonces_pour(profil.id)]
    assert apres.id in ids and pendant.id not in ids


# -- statements ----------------------------------------------------------------------
def test_statement_count_does_not_grow_with_the_people(app, factory):
    annonce = annonce_fi()
    formateur(factory)
    with count_queries() as peu:
        suggestions_annonce(annonce.id)
    for _ in range(8):
        formateur(factory, texte="budgétaire")
    with count_queries() as beaucoup:
        assert len(suggestions_annonce(annonce.id)) >= 9
    assert len(beaucoup) == len(peu) <= 10
    _, profil = formateur(factory)
    with count_queries() as une:
        annonces_pour(profil.id)
    for _ in range(6):
        annonce_fi()
    with count_queries() as plusieurs:
        annonces_pour(profil.id)
    assert len(plusieurs) == len(une) <= 12


# -- invitations --------------------------------------------------------------------------
def _nombre(modele, *where):
    return db.session.scalar(select(func.count()).select_from(modele).where(*where))


def test_invitation_sends_one_message_and_one_email_whatever_the_clicks(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = formateur(factory, structure="DR-11", regions=("84",))
    annonce = annonce_fi()
    assert executer(inviter, annonce.id, [profil.id], gestionnaire.id) == [profil.id]
    for _ in range(3):
        assert executer(inviter, annonce.id, [profil.id], gestionnaire.id) == []
    assert _nombre(InvitationAnnonce, InvitationAnnonce.annonce_id == annonce.id) == 1
    assert _nombre(DestinataireMessage, DestinataireMessage.destinataire_id == user.id) == 1
    courriels = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == user.email)).all()
    assert len(courriels) == 1 and courriels[0].template == "invitation_annonce"
    assert f"/annonces/{annonce.numero}" in courriels[0].body_text
    invitation = db.session.scalar(select(InvitationAnnonce).where(InvitationAnnonce.annonce_id == annonce.id))
    assert invitation.invite_par_id == gestionnaire.id and invitation.message_id is not None
    # no longer suggested for this annonce
    assert ordre(annonce, [profil]) == []


def test_invitation_refused_for_another_structure_or_a_candidate(app, factory):
    autre = factory.gestionnaire("DR-11")
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = formateur(factory)
    _, candidat = formateur(factory)
    annonce = annonce_fi()
    db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=candidat.id))
    db.session.commit()
    with pytest.raises(SuggestionRefusee):
        executer(inviter, annonce.id, [profil.id], autre.id)
    with pytest.raises(SuggestionRefusee):
        executer(inviter, annonce.id, [profil.id, candidat.id], gestionnaire.id)
    assert _nombre(InvitationAnnonce, InvitationAnnonce.annonce_id == annonce.id) == 0


def test_specialite_asked_as_a_whole_is_exact_both_ways(app, factory):
    """An annonce asking « Finances » without a sous-spécialité: every trainer of
    the domaine matches it exactly, whatever the other annonces ask."""
    _, profil = formateur(factory, sous=("FI2",))
    annonce_fi()  # another annonce, with a sous-spécialité of the same domaine
    entiere = annonce_fi(sous_specialites=(), intitule="Finances")
    cote_annonce = next(s for s in suggestions_annonce(entiere.id) if s.intervenant_id == profil.id)
    cote_intervenant = next(s for s in annonces_pour(profil.id) if s.annonce_id == entiere.id)
    assert cote_annonce.composantes["exact"] == cote_intervenant.composantes["exact"] == 1
    assert cote_annonce.score == cote_intervenant.score
    assert cote_intervenant.raisons[0] == "spécialité en commun : Finances et gestion financière"


# -- screens --------------------------------------------------------------------------------
from tests.conftest import csrf_token_from, page_text, sign_in  # noqa: E402


def test_gestionnaire_sees_suggestions_with_reasons_and_invites(app, factory, login_as):
    gestionnaire = login_as("gestionnaire", "DR-84")
    user, profil = formateur(factory, first="Camille", last="Budget")
    annonce = annonce_fi()
    page = gestionnaire.get(f"/gestion/annonces/show/{annonce.id}")
    assert "Intervenants suggérés" in page_text(page)
    reponse = gestionnaire.get(f"/gestion/suggestions/annonce/{annonce.id}")
    assert reponse.status_code == 200
    texte = page_text(reponse)
    assert "Camille Budget" in texte and "spécialité en commun : Préparation et exécution budgétaire" in texte
    jeton = csrf_token_from(reponse.get_data(as_text=True))
    for _ in range(3):
        envoi = gestionnaire.post(f"/gestion/suggestions/annonce/{annonce.id}/inviter",
                                  data={"csrf_token": jeton, "intervenant": [str(profil.id)]})
        assert envoi.status_code == 302
    assert _nombre(InvitationAnnonce, InvitationAnnonce.annonce_id == annonce.id) == 1
    assert _nombre(OutboxMessage, OutboxMessage.recipients == user.email) == 1
    page = page_text(gestionnaire.get(f"/gestion/annonces/show/{annonce.id}"))
    assert "Intervenants invités à candidater" in page and "Camille Budget" in page
    # the trainer: on the annonce and on the tableau de bord
    client = app.test_client()
    sign_in(client, user)
    assert "Vous avez été invité(e) à candidater" in page_text(client.get(f"/annonces/{annonce.numero}"))
    tableau = page_text(client.get("/mes-reponses-aux-annonces/"))
    assert "Vous avez été invité(e) à candidater" in tableau and annonce.numero in tableau


def test_another_structure_gets_404(app, factory, login_as):
    autre = login_as("gestionnaire", "DR-11")
    _, profil = formateur(factory)
    annonce = annonce_fi()
    assert autre.get(f"/gestion/suggestions/annonce/{annonce.id}").status_code == 404
    jeton = csrf_token_from(autre.get("/gestion/annonces/list/").get_data(as_text=True))
    reponse = autre.post(f"/gestion/suggestions/annonce/{annonce.id}/inviter",
                         data={"csrf_token": jeton, "intervenant": [str(profil.id)]})
    assert reponse.status_code == 404
    assert _nombre(InvitationAnnonce) == 0


def test_intervenant_cannot_open_the_gestion_screen(app, factory, login_as):
    client = login_as("intervenant")
    annonce = annonce_fi()
    assert client.get(f"/gestion/suggestions/annonce/{annonce.id}").status_code in (302, 403, 404)


def test_tableau_de_bord_and_full_page_show_annonces_pour_vous(app, factory):
    user, profil = formateur(factory)
    annonces = [annonce_fi(intitule=f"Budget {k}") for k in range(7)]
    repondue = annonces[0]
    db.session.add(Candidature(annonce_id=repondue.id, intervenant_id=profil.id))
    db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    tableau = client.get("/mes-reponses-aux-annonces/").get_data(as_text=True)
    section = tableau.split('id="annonces-pour-vous"')[1].split("</table>")[0]
    assert section.count("<tr>") == 1 + 5  # header + the five best
    assert f"{repondue.numero} –" not in section
    page = client.get("/annonces-pour-vous/").get_data(as_text=True)
    assert all(f"{a.numero} –" in page for a in annonces[1:])
    assert f"{repondue.numero} –" not in page


def test_tableau_de_bord_keeps_its_ranking_and_leaves_out_an_answer_at_once(app, factory):
    """The pages rank again at most every CACHE_SUGGESTIONS_SECONDES; an
    annonce answered since leaves the five at once, the sixth comes in."""
    _, profil = formateur(factory)
    annonces = [annonce_fi(intitule=f"Budget {k}") for k in range(7)]
    premiers = [s.annonce_id for s in annonces_pour_gardees(profil.id, POUR_VOUS_TABLEAU)]
    assert len(premiers) == 5
    with count_queries() as compte:
        assert [s.annonce_id for s in annonces_pour_gardees(profil.id, POUR_VOUS_TABLEAU)] == premiers
    assert len(compte) == 1  # the check of what is still open and not answered, no ranking
    db.session.add(Candidature(annonce_id=premiers[0], intervenant_id=profil.id))
    db.session.commit()
    apres = [s.annonce_id for s in annonces_pour_gardees(profil.id, POUR_VOUS_TABLEAU)]
    assert premiers[0] not in apres and apres[:4] == premiers[1:] and len(apres) == 5
    assert {a.id for a in annonces} >= set(apres)


def test_suggestions_of_an_annonce_leave_out_a_candidate_or_an_archived_profile_at_once(app, factory):
    annonce = annonce_fi()
    profils = [formateur(factory, email=f"garde{k}@example.test")[1] for k in range(3)]
    premiers = [s.intervenant_id for s in suggestions_annonce_gardees(annonce.id)
                if s.intervenant_id in {p.id for p in profils}]
    assert sorted(premiers) == sorted(p.id for p in profils)
    candidat, archive = profils[0], profils[1]
    db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=candidat.id))
    db.session.commit()
    db.session.execute(update(Intervenant).where(Intervenant.id == archive.id)
                       .values(etat_inscription=EtatInscription.archivee))  # a bulk change: no cache emptied
    db.session.commit()
    aid, ids = annonce.id, [p.id for p in profils]
    with count_queries() as compte:
        restants = {s.intervenant_id for s in suggestions_annonce_gardees(aid)}
    assert len([q for q in compte if q.startswith("SELECT")]) == 1
    assert ids[0] not in restants and ids[1] not in restants and ids[2] in restants


def test_pages_rank_again_after_a_change_of_annonce_or_with_no_duration(app, factory):
    _, profil = formateur(factory)
    annonce_fi(intitule="Budget 1")
    assert len(annonces_pour_gardees(profil.id, POUR_VOUS_TABLEAU)) == 1
    nouvelle = annonce_fi(intitule="Budget 2")  # committed: the rankings of this process are emptied
    assert nouvelle.id in [s.annonce_id for s in annonces_pour_gardees(profil.id, POUR_VOUS_TABLEAU)]
    app.config["CACHE_SUGGESTIONS_SECONDES"] = 0
    try:
        with count_queries() as compte:
            annonces_pour_gardees(profil.id, POUR_VOUS_TABLEAU)
        assert len(compte) > 1  # ranked again
    finally:
        app.config["CACHE_SUGGESTIONS_SECONDES"] = 300


# -- the weekly e-mail ---------------------------------------------------------------------
def test_weekly_email_once_per_week_for_those_who_asked(app, factory):
    from app.jobs.suggestions import envoyer_annonces_pour_vous
    from app.models.suggestions import EnvoiAnnoncesPourVous

    abonne, profil = formateur(factory)
    profil.alerte_annonces_pour_vous = True
    sans_annonce, autre = formateur(factory, sous=("RH1",))
    autre.alerte_annonces_pour_vous = True
    non_abonne, _ = formateur(factory)
    db.session.commit()
    annonce = annonce_fi()
    assert envoyer_annonces_pour_vous("2026-W50") == 1
    assert envoyer_annonces_pour_vous("2026-W50") == 0  # a re-run: nothing more
    courriels = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "annonces_pour_vous")).all()
    assert [c.recipients for c in courriels] == [abonne.email]
    assert annonce.numero in courriels[0].body_text and "Pourquoi : spécialité en commun" in courriels[0].body_text
    assert _nombre(EnvoiAnnoncesPourVous, EnvoiAnnoncesPourVous.intervenant_id == autre.id) == 1  # week done, no e-mail
    assert envoyer_annonces_pour_vous("2026-W51") == 1  # next week, again
    assert non_abonne.email not in {c.recipients for c in db.session.scalars(select(OutboxMessage))}
    assert sans_annonce.email not in {c.recipients for c in db.session.scalars(select(OutboxMessage))}


def test_weekly_job_is_in_the_cron_table():
    from redis import Redis
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=Redis())  # no connection is opened to load the config
    scheduler.load_config_from_file("app.jobs.cron")
    declared = {job.func_name: job for job in scheduler._cron_jobs}
    assert declared["app.jobs.suggestions.envoyer_annonces_pour_vous"].cron == "0 8 * * 1"


# -- API ----------------------------------------------------------------------------------------
def test_api_gives_the_same_ranking_and_404_to_another_structure(app, factory):
    from tests.outils.interventions import jeton

    a, b = factory.gestionnaire("DR-84"), factory.gestionnaire("DR-11")
    _, exact = formateur(factory, sous=("FI1",))
    _, domaine = formateur(factory, sous=("FI2",))
    annonce = annonce_fi()
    client = app.test_client()
    reponse = client.get(f"/api/v1/annonces/{annonce.id}/suggestions", headers=jeton(client, a))
    assert reponse.status_code == 200
    corps = reponse.get_json()
    ids = [r["intervenant_id"] for r in corps["result"] if r["intervenant_id"] in {exact.id, domaine.id}]
    assert ids == [exact.id, domaine.id]
    assert [r["intervenant_id"] for r in corps["result"]] == [s.intervenant_id for s in suggestions_annonce(annonce.id)]
    premier = next(r for r in corps["result"] if r["intervenant_id"] == exact.id)
    assert premier["raisons"][0] == "spécialité en commun : Préparation et exécution budgétaire"
    assert set(premier["composantes"]) == set(POIDS)
    assert client.get(f"/api/v1/annonces/{annonce.id}/suggestions", headers=jeton(client, b)).status_code == 404
    assert client.get("/api/v1/annonces/999999/suggestions", headers=jeton(client, a)).status_code == 404
    assert client.get(f"/api/v1/annonces/{annonce.id}/suggestions").status_code == 401


def test_invitation_follows_the_messagerie_rule(app, factory, login_as):
    """A structure whose messagerie is closed cannot invite: refused in French, nothing recorded."""
    from app.models.referentiels import Structure

    gestionnaire = login_as("gestionnaire", "DR-84")
    _, profil = formateur(factory)
    annonce = annonce_fi()
    structure = db.session.get(Structure, annonce.structure_id)
    structure.messagerie_active = False
    db.session.commit()
    jeton = csrf_token_from(gestionnaire.get(f"/gestion/suggestions/annonce/{annonce.id}").get_data(as_text=True))
    reponse = gestionnaire.post(f"/gestion/suggestions/annonce/{annonce.id}/inviter",
                                data={"csrf_token": jeton, "intervenant": [str(profil.id)]}, follow_redirects=True)
    assert reponse.status_code == 200
    assert "messagerie, qui n'est pas ouverte pour votre structure" in page_text(reponse)
    assert _nombre(InvitationAnnonce) == 0
    assert _nombre(OutboxMessage) == 0
