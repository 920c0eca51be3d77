"""Keyboard only (issue 25 point 6): registration and candidature with Tab,
arrows, Space and Enter, never the mouse; the focused element always shows
a visible focus indicator."""

from __future__ import annotations

from tests.navigateur.conftest import audit_axe, base, connecter
from tests.outils.navigateur import MOT_DE_PASSE, aller_au_contenu, lien_du_courriel, tabuler_jusqua


def test_inscription_au_clavier(app, visite):
    page = visite.aller("/inscription")
    email = "marc.vidal@example.test"
    aller_au_contenu(page)
    tabuler_jusqua(page, "Monsieur")
    page.keyboard.press("ArrowRight")  # to « Madame » (a radio group is one stop)
    tabuler_jusqua(page, r"Nom de famille \(naissance\)")
    page.keyboard.type("Vidal")
    tabuler_jusqua(page, "Identique au nom de famille")
    page.keyboard.press("Space")
    tabuler_jusqua(page, "^Prénom")
    page.keyboard.type("Marc")
    tabuler_jusqua(page, "Date de Naissance")
    page.keyboard.type("02031979")
    tabuler_jusqua(page, "^Adresse e-mail de contact")
    page.keyboard.type(email)
    tabuler_jusqua(page, "^Confirmer l'adresse e-mail")
    page.keyboard.type(email)
    tabuler_jusqua(page, "^Saisir un mot de passe")
    page.keyboard.type(MOT_DE_PASSE)
    tabuler_jusqua(page, "^Confirmer le mot de passe")
    page.keyboard.type(MOT_DE_PASSE)
    for document in ("charte des intervenants", "conditions générales", "mentions légales"):
        tabuler_jusqua(page, document)
        with page.context.expect_page() as onglet:
            page.keyboard.press("Enter")
        onglet.value.wait_for_load_state("load")
        assert not audit_axe(onglet.value), onglet.value.url
        onglet.value.close()
        page.bring_to_front()
    from app.infra.captcha import reponse_pour_tests

    tabuler_jusqua(page, "Recopier le texte de l'image")
    page.keyboard.type(reponse_pour_tests(page.locator("input[name=captcha_id]").input_value()))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visite.verifier()
    assert page.get_by_text("courriel contenant un lien").is_visible(), page.content()[:3000]
    page.goto(lien_du_courriel(email, visite.base_url))
    visite.verifier()
    assert page.url.endswith("/profil/identification")


def test_candidature_au_clavier(app, factory, visite):
    from app.models.comptes import EtatInscription
    from tests.outils.annonces import creer_annonce

    with base():
        user, profil = factory.intervenant("DR-84", complet=True)
        profil.etat_inscription = EtatInscription.validee
        annonce = creer_annonce(intitule="Animer un atelier d'écriture")
    connecter(visite, app, user)
    page = visite.aller("/annonces/")
    aller_au_contenu(page)
    tabuler_jusqua(page, f"^{annonce.numero}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visite.verifier()
    aller_au_contenu(page)
    tabuler_jusqua(page, "^Candidater")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visite.verifier()
    aller_au_contenu(page)
    tabuler_jusqua(page, "Commentaire associé à votre candidature")
    page.keyboard.type("Je connais bien ce public.")
    tabuler_jusqua(page, "Candidater|Envoyer|Valider")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visite.verifier()
    assert "/mes-reponses-aux-annonces/" in page.url
    assert page.get_by_text("Animer un atelier d'écriture").first.is_visible()
