"""The main journeys as a person does them, in chromium: by labels and
roles, every page checked by axe-core (``visite.verifier``), each under a
minute (issue 25 point 7)."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.conftest import PASSWORD, SECRET_TOTP, code_totp, enroler
from tests.navigateur.conftest import base, connecter
from tests.outils.navigateur import MOT_DE_PASSE, lien_du_courriel


@pytest.fixture(autouse=True)
def _sous_une_minute():
    debut = time.monotonic()
    yield
    assert time.monotonic() - debut < 60, "un parcours doit durer moins d'une minute"


def remplir_captcha(page) -> None:
    """The real answer of the challenge shown (computed from its id, as the image is)."""
    from app.infra.captcha import reponse_pour_tests

    defi = page.locator("input[name=captcha_id]").input_value()
    page.get_by_label("Recopier le texte de l'image").fill(reponse_pour_tests(defi))


def ouvrir_documents(visite) -> None:
    """« Cliquez sur chacun des trois liens pour les valider »: each opens in a new tab."""
    page = visite.page
    for nom in ("charte des intervenants", "conditions générales", "mentions légales"):
        with page.context.expect_page() as onglet:
            page.get_by_role("link", name=re.compile(nom)).click()
        document = onglet.value
        document.wait_for_load_state("load")
        from tests.navigateur.conftest import audit_axe

        assert not audit_axe(document), document.url
        document.close()


def test_inscription_activation_profil_transmission(app, visite):
    page = visite.aller("/inscription")
    email = "lucie.fontaine@example.test"
    page.get_by_label("Madame").check()
    page.get_by_label("Nom de famille (naissance)").fill("Fontaine")
    page.get_by_label("Identique au nom de famille").check()
    page.get_by_label("Prénom").fill("Lucie")
    page.get_by_label("Date de Naissance").fill("1984-06-02")
    page.get_by_label("Adresse e-mail de contact (identifiant de connexion)", exact=False).first.fill(email)
    page.get_by_label("Confirmer l'adresse e-mail de contact").fill(email)
    page.get_by_label("Saisir un mot de passe").fill(MOT_DE_PASSE)
    page.get_by_label("Confirmer le mot de passe").fill("pas le même")
    ouvrir_documents(visite)
    remplir_captcha(page)
    page.get_by_role("button", name="Valider").click()
    visite.verifier()
    # A bad input: its message next to the field, the text typed kept.
    assert page.get_by_text("Les deux mots de passe ne sont pas identiques.").is_visible()
    assert page.get_by_label("Prénom").input_value() == "Lucie"
    assert page.get_by_label("Confirmer l'adresse e-mail de contact").input_value() == email
    page.get_by_label("Saisir un mot de passe").fill(MOT_DE_PASSE)
    page.get_by_label("Confirmer le mot de passe").fill(MOT_DE_PASSE)
    remplir_captcha(page)
    page.get_by_role("button", name="Valider").click()
    visite.verifier()
    assert page.get_by_text("courriel contenant un lien").is_visible()

    # Activation from the e-mail: signed in, on page 1 of the profile.
    page.goto(lien_du_courriel(email, visite.base_url))
    visite.verifier()
    assert page.url.endswith("/profil/identification")
    assert page.get_by_role("heading", level=1).count() == 1

    # Both profile pages filled (the referential choices from the database),
    # then seen and transmitted in the browser.
    from flask_appbuilder.security.sqla.models import User

    from app.models.comptes import EtatInscription, Intervenant
    from tests.conftest import Factory

    with base():
        user = db.session.scalar(select(User).where(User.email == email))
        profil = db.session.scalar(select(Intervenant).where(Intervenant.user_id == user.id))
        profil.structure_id = Factory(app).structure("DR-84").id
        Factory(app).completer(profil)
    page.reload()
    visite.verifier()
    page.get_by_role("button", name="Mon compte").click()
    page.get_by_role("link", name="Mon parcours").click()
    visite.verifier()
    page.get_by_role("button", name="Enregistrer et transmettre ma demande d'inscription").click()
    visite.verifier()
    assert page.get_by_text("Votre dossier a bien été transmis.").is_visible()
    with base():
        db.session.refresh(profil)
        assert profil.etat_inscription == EtatInscription.transmise


def test_gestionnaire_valide_une_demande_apres_son_code(app, factory, visite):
    from app.models.comptes import EtatInscription
    from app.workflows.core import Acteur
    from app.workflows.inscription import inscription

    with base():
        gestionnaire = factory.gestionnaire("DR-84", first="Claire", last="Martin")
        enroler(gestionnaire)
        user, profil = factory.intervenant("DR-84", complet=True, first="Paul", last="Girard")
        inscription.apply(profil, "transmettre", Acteur.from_user(user))
    page = visite.aller("/login/")
    page.get_by_label("Identifiant").fill(gestionnaire.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()
    visite.verifier()
    page.get_by_label(re.compile("code", re.I)).first.fill(code_totp(SECRET_TOTP))
    page.get_by_role("button", name=re.compile("Valider|Vérifier|Continuer")).click()
    visite.verifier()
    visite.aller("/gestion/demandes-inscription/list/")
    page.get_by_role("link", name=re.compile("Girard")).first.click()
    visite.verifier()
    page.get_by_role("button", name=re.compile("^Valider")).first.click()
    visite.verifier()
    with base():
        db.session.refresh(profil)
        assert profil.etat_inscription == EtatInscription.validee


def test_recherche_et_candidature(app, factory, visite):
    from app.models.comptes import EtatInscription

    with base():
        user, profil = factory.intervenant("DR-84", complet=True)
        profil.etat_inscription = EtatInscription.validee
        from tests.outils.annonces import creer_annonce

        annonce = creer_annonce()
    connecter(visite, app, user)
    page = visite.aller("/annonces/")
    page.get_by_role("link", name=str(annonce.numero), exact=True).click()
    visite.verifier()
    page.get_by_role("link", name="Candidater").first.click()
    visite.verifier()
    page.get_by_label("Commentaire associé à votre candidature").fill("Disponible au printemps.")
    page.get_by_role("button", name=re.compile("Candidater|Envoyer|Valider")).first.click()
    visite.verifier()
    assert "/mes-reponses-aux-annonces/" in page.url
    assert page.get_by_text(annonce.intitule).first.is_visible()


def test_enrolement_double_authentification(app, factory, visite):
    """Issue 28 point 6: a gestionnaire without a second factor is led to
    enrol (QR code and key), a wrong code keeps the page with its message,
    then the recovery codes; every page without axe-core violation."""
    import pyotp

    with base():
        gestionnaire = factory.gestionnaire("DR-84")
    page = visite.aller("/login/")
    page.get_by_label("Identifiant").fill(gestionnaire.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Valider").click()
    visite.verifier()
    assert page.get_by_role("heading", name="Activer la double authentification").is_visible()
    cle = page.locator("#cle-secrete").inner_text().replace(" ", "")
    champ = page.get_by_label(re.compile("code", re.I)).first
    champ.fill("000000" if pyotp.TOTP(cle).now() != "000000" else "111111")
    page.get_by_role("button", name=re.compile("Valider|Activer|Confirmer|Enregistrer")).click()
    visite.verifier()
    champ = page.get_by_label(re.compile("code", re.I)).first
    champ.fill(pyotp.TOTP(cle).now())
    page.get_by_role("button", name=re.compile("Valider|Activer|Confirmer|Enregistrer")).click()
    visite.verifier()
    assert page.get_by_text(re.compile("codes? de secours", re.I)).first.is_visible()
