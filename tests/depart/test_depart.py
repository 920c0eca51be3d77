"""Leaving (issue 24): « Me désinscrire » in its three cases, archived
accounts (no login, no new registration), reactivation, inactivity."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app.extensions import db
from app.models import base
from app.models.authentification import EtatCompteUtilisateur
from app.models.comptes import EtatInscription
from app.models.depart import ConservationCompte
from app.models.interventions import EtatIntervention, EtatLettre, Intervention, LettreDemande, ModeRemuneration
from app.models.referentiels import Structure, TypeDemandeSupport
from app.models.regles_depart import MESSAGES, CasDesinscription
from app.models.workflow import TransitionHistorique
from app.operations import support as operations
from app.security.auth import MESSAGE_ARCHIVE
from app.workflows.core import Acteur
from app.workflows.inscription import inscription
from tests.conftest import PASSWORD, corps_envoye, csrf_token_from, page_text
from tests.outils.comptes import TEST_ANSWER, post_login, submit_registration
from tests.outils.depart import MAINTENANT, URL, client_de, confirmer, dernier_mail, etat_compte, voyager


def valide(factory, **kw):
    """A validated intervenant of DR-84 (in the CV-thèque) and the gestionnaire who validated."""
    user, profil = factory.intervenant("DR-84", complet=True, **kw)
    gestionnaire = factory.gestionnaire("DR-84")
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    inscription.apply(profil, "valider", Acteur.from_user(gestionnaire))
    profil.alerte_regions = True
    db.session.commit()
    return user, profil, gestionnaire


def intervention(profil, fin: date, lettre: EtatLettre | None = None, etat=EtatIntervention.realisee):
    structure = db.session.scalar(select(Structure).where(Structure.code == "DR-84"))
    ligne = Intervention(intervenant_id=profil.id, structure_id=structure.id, intitule="Management d'équipe",
                         date_debut=fin - timedelta(days=1), date_fin=fin, duree_jours=Decimal("2"), lieu="Lyon",
                         etat=etat)
    db.session.add(ligne)
    db.session.flush()
    if lettre is not None:
        db.session.add(LettreDemande(intervention_id=ligne.id, date_lettre=fin - timedelta(days=30),
                                     mode_remuneration=ModeRemuneration.journalier, taux=Decimal("300"),
                                     quantite=Decimal("2"), etat=lettre))
    db.session.commit()
    return ligne


def annonce_de_ses_regions(profil):
    """An annonce of the profile's région (its alert preference)."""
    from app.models.annonces import Annonce, EtatAnnonce

    annonce = Annonce(intitule="Annonce", description="Description", structure_id=profil.structure_id,
                      date_limite=date.today() + timedelta(days=30), etat=EtatAnnonce.publiee)
    annonce.regions = list(profil.regions)
    db.session.add(annonce)
    db.session.commit()
    return annonce


def alertes_pour(annonce) -> list[int]:
    from app.jobs.alertes import condition_correspondance
    from app.models.comptes import Intervenant

    return list(db.session.scalars(select(Intervenant.id).where(condition_correspondance(annonce.id))))


# -- the three cases -------------------------------------------------------------------------
@pytest.mark.parametrize("cas", list(CasDesinscription))
def test_the_page_shows_the_manuals_message_for_each_case(app, factory, cas):
    user, profil, _ = valide(factory)
    aujourdhui = base.utcnow().date()
    if cas == CasDesinscription.intervention_recente:
        intervention(profil, aujourdhui - relativedelta(years=2))
        attendu = aujourdhui - relativedelta(years=2) + relativedelta(years=5)
    elif cas == CasDesinscription.refusee:
        intervention(profil, aujourdhui + timedelta(days=20), EtatLettre.envoyee, etat=EtatIntervention.prevue)
    else:  # an intervention ended more than 5 years ago counts as none; a cancelled one too
        intervention(profil, aujourdhui - relativedelta(years=6))
        intervention(profil, aujourdhui - timedelta(days=10), etat=EtatIntervention.annulee)
        attendu = aujourdhui + relativedelta(months=12)
    html = page_text(client_de(app, user).get(URL))
    assert "Attention !" in html
    for paragraphe in MESSAGES[cas]:
        assert paragraphe in html
    # the page's own button (every page also holds FAB's hidden confirmation dialog, « Confirmer » too)
    bouton = 'type="submit" class="btn btn-danger">Confirmer<'
    if cas == CasDesinscription.refusee:
        assert bouton not in html and "Aide et contact" in html
    else:
        assert bouton in html and ">Annuler<" in html
        assert f"{attendu:%d/%m/%Y}" in html


@pytest.mark.parametrize(("mois", "ans", "attendus"), [
    (6, 3, ("archivées pendant 6 mois", "délai de 3 ans après")),
    (24, 1, ("archivées pendant 24 mois", "délai de 1 an après")),
])
def test_the_page_gives_the_durations_of_the_settings(app, factory, monkeypatch, mois, ans, attendus):
    """The page says what the purge will do: the retention settings, not the
    manual's default « 12 mois » and « 5 ans »."""
    monkeypatch.setitem(app.config, "CONSERVATION_SANS_INTERVENTION_MOIS", mois)
    monkeypatch.setitem(app.config, "CONSERVATION_APRES_INTERVENTION_ANS", ans)
    user, profil, _ = valide(factory)
    html = page_text(client_de(app, user).get(URL))
    assert attendus[0] in html and "12 mois" not in html
    intervention(profil, base.utcnow().date() - timedelta(days=30))
    html = page_text(client_de(app, user).get(URL))
    assert attendus[1] in html and "5 ans" not in html


def test_unregistering_is_refused_while_a_lettre_is_in_progress(app, factory):
    user, profil, _ = valide(factory)
    intervention(profil, base.utcnow().date() + timedelta(days=5), EtatLettre.en_cours_execution,
                 etat=EtatIntervention.en_cours)
    client = client_de(app, user)
    reponse = confirmer(client)
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith(URL)
    assert MESSAGES[CasDesinscription.refusee][0] in page_text(client.get(URL))
    assert etat_compte(user) == EtatCompteUtilisateur.actif
    assert db.session.get(type(profil), profil.id).etat_inscription == EtatInscription.validee


def test_confirming_archives_logs_out_withdraws_and_tells_the_deletion_date(app, factory):
    user, profil, gestionnaire = valide(factory)
    staff = client_de(app, gestionnaire)
    assert staff.get(f"/cvtheque/profil/{profil.id}").status_code == 200
    annonce = annonce_de_ses_regions(profil)
    assert alertes_pour(annonce) == [profil.id]
    client = client_de(app, user)
    reponse = confirmer(client)
    assert reponse.status_code == 302
    # logged out: this session (and every other) is over
    assert "/login" in client.get("/mon-profil/").headers.get("Location", "")
    assert etat_compte(user) == EtatCompteUtilisateur.archive
    historique = db.session.scalars(select(TransitionHistorique).where(
        TransitionHistorique.workflow == "compte", TransitionHistorique.objet_id == user.id)).all()
    assert [(h.evenement, h.etat_apres, h.acteur_id) for h in historique] == [("archiver", "archive", user.id)]
    # out of the CV-thèque and of the alerts at once
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.archivee
    assert staff.get(f"/cvtheque/profil/{profil.id}").status_code == 404
    assert alertes_pour(annonce) == []
    suppression = base.utcnow().date() + relativedelta(months=12)
    assert db.session.get(ConservationCompte, user.id).suppression_le == suppression
    corps = corps_envoye(dernier_mail(user.email, "depart_desinscription"))
    assert f"supprimées le {suppression:%d/%m/%Y}" in corps


def test_a_gestionnaire_has_no_unregistration_page(login_as):
    assert login_as("gestionnaire").get(URL).status_code in (302, 403)


# -- archived: no login, no new account; reactivation --------------------------------------
def _demande_reactivation(email: str):
    type_id = db.session.scalar(select(TypeDemandeSupport.id).where(TypeDemandeSupport.code == "REACTIVATION"))
    demande, _ = operations.creer(type_id=type_id, structure_id=None, nom="Durand", prenom="Camille", email=email,
                                  sujet="Réactivation", descriptif="Je souhaite réactiver mon compte.")
    operations.confirmer(demande)
    db.session.commit()
    return demande


def test_archive_then_no_login_then_no_registration_then_reactivation_then_login(app, factory, login_as,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_TEST_ANSWER", TEST_ANSWER)
    user, profil, gestionnaire = valide(factory, email="camille@example.test")
    confirmer(client_de(app, user))
    anonyme = app.test_client()
    refus = page_text(post_login(anonyme, user.email, PASSWORD, follow=True))
    avant, _, apres = MESSAGE_ARCHIVE.partition("Aide et Contact")
    # issue 40: « Aide et Contact » is a link to the form
    assert f'{avant}<a href="/aide-et-contact">Aide et Contact</a>{apres}' in refus
    html = page_text(submit_registration(app.test_client(), email=user.email, email_confirmation=user.email))
    assert "Un compte archivé correspondant aux informations saisies a été trouvé en base" in html
    # the national administration reactivates from the support request
    demande = _demande_reactivation(user.email)
    admin = login_as("admin_national")
    page = admin.get(f"/gestion/support/{demande.id}")
    reponse = admin.post(f"/gestion/support/{demande.id}/reactiver",
                         data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert reponse.status_code == 302
    assert etat_compte(user) == EtatCompteUtilisateur.actif
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.validee  # its state before the archiving
    assert client_de(app, gestionnaire).get(f"/cvtheque/profil/{profil.id}").status_code == 200
    # the old password no longer opens the account: the e-mail's link sets a new one
    refus = page_text(post_login(app.test_client(), user.email, PASSWORD, follow=True))
    assert "Identifiant ou mot de passe incorrect." in refus
    lien = re.search(r"http://localhost(/\S+)", corps_envoye(dernier_mail(user.email, "depart_reactivation"))).group(1)
    page = anonyme.get(lien)
    nouveau = "Nouveau-mot-2!"
    anonyme.post(lien, data={"password": nouveau, "password_confirmation": nouveau,
                             "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    connexion = post_login(app.test_client(), user.email, nouveau)
    assert connexion.status_code == 302 and "/login" not in connexion.headers["Location"]


def test_reactivation_from_the_users_screen_restores_a_complement_request(app, factory, login_as):
    user, profil = factory.intervenant("DR-84", complet=True)
    gestionnaire = factory.gestionnaire("DR-84")
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    inscription.apply(profil, "demander_complement", Acteur.from_user(gestionnaire), "Précisez")
    db.session.commit()
    confirmer(client_de(app, user))
    admin = login_as("admin_national")
    page = admin.get("/users/list/").get_data(as_text=True)
    admin.post("/users/action_post", data={"action": "reactiver", "rowid": [str(user.id)],
                                           "csrf_token": csrf_token_from(page)})
    assert etat_compte(user) == EtatCompteUtilisateur.actif
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.complement_demande
    # the two months before the automatic archiving start again
    assert profil.date_complement_demande >= base.utcnow() - timedelta(minutes=1)
    assert dernier_mail(user.email, "depart_reactivation")


# -- inactivity (time travel) -------------------------------------------------------------


def test_inactivity_warns_30_days_before_then_archives(app, factory, monkeypatch):
    from app.jobs.depart import traiter_inactivite

    user, profil, _ = valide(factory)
    user.last_login = base.utcnow()
    db.session.commit()
    debut = MAINTENANT
    voyager(monkeypatch, 1095 - 31)
    assert traiter_inactivite() == {}
    voyager(monkeypatch, 1095 - 30)
    assert traiter_inactivite() == {"avertis": 1}
    assert "sera archivé le" in corps_envoye(dernier_mail(user.email, "depart_inactivite"))
    assert traiter_inactivite() == {}  # warned once
    voyager(monkeypatch, 1095 - 1)
    assert traiter_inactivite() == {}
    voyager(monkeypatch, 1095)
    assert traiter_inactivite() == {"archives": 1}
    assert etat_compte(user) == EtatCompteUtilisateur.archive
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.archivee
    ligne = db.session.get(ConservationCompte, user.id)
    assert ligne.motif == "inactivite"
    assert ligne.suppression_le == (debut() + timedelta(days=1095)).date() + relativedelta(months=12)
    assert "Sans connexion de votre part" in corps_envoye(dernier_mail(user.email, "depart_desinscription"))


def test_logging_in_after_the_warning_keeps_the_account(app, factory, monkeypatch):
    from app.jobs.depart import traiter_inactivite

    user, _, _ = valide(factory)
    user.last_login = base.utcnow()
    db.session.commit()
    reel = base.utcnow()
    voyager(monkeypatch, 1095 - 30)
    assert traiter_inactivite() == {"avertis": 1}
    user.last_login = reel + timedelta(days=1095 - 20)  # the person came back
    db.session.commit()
    voyager(monkeypatch, 1095 + 5)
    assert traiter_inactivite() == {}
    assert etat_compte(user) == EtatCompteUtilisateur.actif


def test_an_account_found_late_is_warned_before_being_archived(app, factory, monkeypatch):
    """Inactive for 5 years the day the job first runs: warned, archived 30 days later only."""
    from app.jobs.depart import traiter_inactivite

    user, _, _ = valide(factory)
    user.last_login = base.utcnow()
    db.session.commit()
    voyager(monkeypatch, 5 * 365)
    assert traiter_inactivite() == {"avertis": 1}
    voyager(monkeypatch, 5 * 365 + 29)
    assert traiter_inactivite() == {}
    voyager(monkeypatch, 5 * 365 + 30)
    assert traiter_inactivite() == {"archives": 1}

