"""Contextual help in chromium (issue 25 point 5): the tooltip shows on hover
and on keyboard focus and Escape hides it; « en savoir plus » opens a modal
dialog that keeps the focus, closes with Escape and gives the focus back."""

from __future__ import annotations

from tests.navigateur.conftest import audit_axe, base, connecter

DANS_LE_DIALOGUE = "() => !!document.activeElement.closest('dialog[open]')"


def test_infobulle_et_en_savoir_plus(app, factory, visite):
    with base():
        user, _ = factory.intervenant("DR-84")
    connecter(visite, app, user)
    page = visite.aller("/profil/identification")
    bulle = page.get_by_role("tooltip").filter(has_text="Il est important que votre statut reste à jour")
    bouton = page.get_by_role("button", name="Aide : Statut professionnel")
    assert bulle.is_hidden()
    icone = bouton.locator("svg.icone-information")  # drawn, whatever the fonts (issue 40)
    assert icone.is_visible() and icone.bounding_box()["width"] >= 10
    assert icone.get_attribute("aria-hidden") == "true" and "ⓘ" not in bouton.inner_text()
    bouton.hover()
    assert bulle.is_visible()
    page.mouse.move(0, 0)
    assert bulle.is_hidden()
    bouton.focus()
    assert bulle.is_visible()
    page.keyboard.press("Escape")
    assert bulle.is_hidden()

    ouvrir = page.get_by_role("button", name="En savoir plus : Structure de rattachement")
    assert ouvrir.get_attribute("title") == "cliquer pour en savoir plus"
    ouvrir.focus()
    page.keyboard.press("Enter")
    dialogue = page.get_by_role("dialog", name="Structure de rattachement")
    assert dialogue.is_visible()
    assert dialogue.get_by_text("votre structure de rattachement sera votre interlocuteur privilégié").is_visible()
    assert page.evaluate(DANS_LE_DIALOGUE)
    for _ in range(4):  # the page behind is inert: Tab stays in the dialog
        page.keyboard.press("Tab")
        assert page.evaluate(DANS_LE_DIALOGUE) or page.evaluate("document.activeElement === document.body")
    assert not audit_axe(page)
    page.keyboard.press("Escape")
    assert dialogue.is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('data-ouvrir-dialogue')") == "aide-structure_id-dialogue"
    ouvrir.click()
    page.get_by_role("button", name="Fermer").click()
    assert dialogue.is_hidden()
