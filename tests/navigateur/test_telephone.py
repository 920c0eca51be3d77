"""The portal on a phone (issue 40 point 5): at 390 px wide the main menu
folds behind a « Menu » button (closed on every page, opened by the button,
by mouse or keyboard, its state told to screen readers by aria-expanded);
no page of a trainer scrolls sideways. Each page is checked by its layout
(the boxes of the visible elements within the viewport, a full-page
screenshot exactly as wide as the phone) and by axe-core."""

from __future__ import annotations

import json
import re

import pytest

from tests.navigateur.conftest import VERROU, audit_axe, base, connecter
from tests.outils.navigateur import aller_au_contenu, tabuler_jusqua

LARGEUR, HAUTEUR = 390, 844
#: Bootstrap's classes of the folded menu once opened (after its transition).
OUVERT = re.compile(r"\bcollapse\b.*\bin\b")

#: The page's layout as the browser drew it: its scroll width, the visible
#: elements whose box leaves the viewport (an element inside a container
#: that scrolls or clips on its own, a table in .table-responsive, is that
#: container's business; one moved wholly off to the left is the
#: « hidden until focused » technique of the skip link), where the main
#: content starts.
_MISE_EN_PAGE = """() => {
  const largeur = document.documentElement.clientWidth;
  const dehors = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0) continue;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden') continue;
    let p = e.parentElement, contenu = false;
    while (p && p !== document.body) {
      if (getComputedStyle(p).overflowX !== 'visible') { contenu = true; break; }
      p = p.parentElement;
    }
    if (contenu) continue;
    if (r.left < -1 || r.right > largeur + 1) {
      dehors.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                  (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
                  ` [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  const main = document.querySelector('main');
  return {largeur: largeur, defilement: document.documentElement.scrollWidth, dehors: dehors.slice(0, 10),
          debut_contenu: main ? Math.round(main.getBoundingClientRect().top + window.scrollY) : null};
}"""


def largeur_png(png: bytes) -> int:
    """The width written in a PNG's header (IHDR)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big")


def verifier_mise_en_page(page, captures=None) -> dict:
    """The page fits the phone's width: nothing drawn beyond it, no sideways
    scroll, the full-page screenshot exactly as wide as the screen (kept in
    ``captures`` when given); the main menu closed behind its button, so the
    content starts within the first screen."""
    page.wait_for_load_state("load")
    largeur = page.viewport_size["width"]
    mise_en_page = page.evaluate(_MISE_EN_PAGE)
    assert mise_en_page["largeur"] == largeur, mise_en_page
    assert mise_en_page["defilement"] <= largeur, f"défilement horizontal sur {page.url} : {mise_en_page}"
    assert not mise_en_page["dehors"], f"éléments hors de l'écran sur {page.url} : {mise_en_page['dehors']}"
    capture = page.screenshot(full_page=True)
    assert largeur_png(capture) == largeur, page.url
    if captures is not None:
        nom = re.sub(r"[^a-z0-9]+", "-", page.url.split("//", 1)[1].split("/", 1)[1].lower()).strip("-") or "accueil"
        (captures / f"{nom}.png").write_bytes(capture)
    if page.locator("nav.menu-principal").count():  # the pages built on base.html
        bouton = page.get_by_role("button", name="Menu", exact=True)
        assert bouton.is_visible() and bouton.get_attribute("aria-expanded") == "false", page.url
        assert page.locator("#menu-principal-contenu").is_hidden(), f"menu ouvert d'emblée sur {page.url}"
        assert mise_en_page["debut_contenu"] < HAUTEUR / 2, f"le contenu commence à {mise_en_page['debut_contenu']} px sur {page.url}"
    return mise_en_page


@pytest.fixture
def telephone(visite):
    visite.page.set_viewport_size({"width": LARGEUR, "height": HAUTEUR})
    return visite


@pytest.fixture
def intervenant_valide(app, factory):
    from app.models.comptes import EtatInscription

    with base():
        user, profil = factory.intervenant("DR-84", complet=True, first="Emma", last="Moreau")
        profil.etat_inscription = EtatInscription.validee
    return user


def test_menu_replie_ouvert_par_le_bouton_et_au_clavier(app, telephone, intervenant_valide):
    from playwright.sync_api import expect

    connecter(telephone, app, intervenant_valide)
    page = telephone.aller("/")
    verifier_mise_en_page(page)
    bouton = page.get_by_role("button", name="Menu", exact=True)
    menu = page.locator("#menu-principal-contenu")
    assert bouton.get_attribute("aria-controls") == "menu-principal-contenu"
    assert page.get_by_role("link", name="Mes réponses aux annonces").is_hidden()

    # With the mouse: opened below the button, every entry within the screen, then closed.
    bouton.click()
    expect(menu).to_have_class(OUVERT)
    assert bouton.get_attribute("aria-expanded") == "true" and menu.is_visible()
    assert not (violations := audit_axe(page)), json.dumps(violations, ensure_ascii=False, indent=1)
    # Its links, the user's name and « Se déconnecter » (a form's button: sign-out is a POST).
    entrees = menu.locator("a:visible, button:visible, .navbar-text:visible")
    assert entrees.count() >= 9
    assert menu.get_by_role("button", name="Se déconnecter").is_visible()
    for i in range(entrees.count()):
        boite = entrees.nth(i).bounding_box()
        assert boite["x"] >= 0 and boite["x"] + boite["width"] <= LARGEUR, entrees.nth(i).inner_text()
    assert page.get_by_text("Emma Moreau").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= LARGEUR
    bouton.click()
    expect(menu).to_have_class("collapse navbar-collapse")
    assert bouton.get_attribute("aria-expanded") == "false" and menu.is_hidden()

    # With the keyboard: the button comes after the skip link and the title,
    # Enter opens it, Tab reaches an entry, Enter follows it.
    page.reload()
    telephone.verifier()
    tabuler_jusqua(page, "^Menu$", maximum=4)
    page.keyboard.press("Enter")
    expect(menu).to_have_class(OUVERT)
    assert bouton.get_attribute("aria-expanded") == "true"
    tabuler_jusqua(page, "^Recherche avancée d'annonces", maximum=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    telephone.verifier()
    assert page.url.endswith("/annonces/")
    verifier_mise_en_page(page)

    # A category's entries (« Mon compte ») open inside the folded menu.
    bouton.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_class(OUVERT)
    tabuler_jusqua(page, "^Mon compte", maximum=20)
    page.keyboard.press("Enter")
    tabuler_jusqua(page, "^Mon parcours", maximum=10)
    boite = page.evaluate("document.activeElement.getBoundingClientRect().right")
    assert boite <= LARGEUR
    with page.expect_navigation():
        page.keyboard.press("Enter")
    telephone.verifier()
    assert page.url.endswith("/profil/parcours")
    verifier_mise_en_page(page)

    # Escape inside the open menu folds it and gives the focus back to the button.
    bouton.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_class(OUVERT)
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#menu-principal-contenu')")
    page.keyboard.press("Escape")
    expect(menu).to_have_class("collapse navbar-collapse")
    assert bouton.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == "menu-principal-contenu"


def test_recherche_et_candidature_sur_un_telephone(app, telephone, intervenant_valide, tmp_path):
    from tests.outils.annonces import creer_annonce

    with base():
        annonce = creer_annonce(intitule="Animer un atelier d'écriture")
    connecter(telephone, app, intervenant_valide)
    page = telephone.aller("/annonces/")
    verifier_mise_en_page(page, tmp_path)
    page.get_by_role("link", name=str(annonce.numero), exact=True).click()
    telephone.verifier()
    verifier_mise_en_page(page, tmp_path)
    page.get_by_role("link", name="Candidater").first.click()
    telephone.verifier()
    verifier_mise_en_page(page, tmp_path)
    aller_au_contenu(page)
    page.get_by_label("Commentaire associé à votre candidature").fill("Disponible au printemps.")
    page.get_by_role("button", name=re.compile("Candidater|Envoyer|Valider")).first.click()
    telephone.verifier()
    assert "/mes-reponses-aux-annonces/" in page.url
    assert page.get_by_text(annonce.intitule).first.is_visible()
    verifier_mise_en_page(page, tmp_path)


@pytest.mark.parametrize("largeur", [LARGEUR, 320])
def test_chaque_page_d_un_intervenant_sur_un_telephone(app, factory, telephone, tmp_path, largeur):
    """Every page a validated trainer may open (the permission matrix's
    sample rows), at 390 px and at the 320 px of RGAA 10.11: its layout,
    its screenshot, axe-core."""
    from app.models.comptes import EtatInscription
    from tests.outils.matrice import Scene, pages_html

    with VERROU:
        scene = Scene(factory)
        scene.profil.etat_inscription = EtatInscription.validee
        factory.completer(scene.profil)
        from app.extensions import db

        db.session.commit()
        urls = pages_html(app, scene, "intervenant")
    telephone.page.set_viewport_size({"width": largeur, "height": HAUTEUR})
    connecter(telephone, app, scene.intervenant)
    assert len(urls) >= 15, urls
    echecs = {}
    for url in urls:
        telephone.page.goto(telephone.base_url + url)
        telephone.verifiees.add(telephone.page.url.split("#")[0])
        try:
            verifier_mise_en_page(telephone.page, tmp_path)
        except AssertionError as erreur:
            echecs[url] = str(erreur).splitlines()[0]
        if violations := audit_axe(telephone.page):
            echecs[url + " (axe-core)"] = violations
    assert not echecs, f"{len(echecs)}/{len(urls)} pages en défaut :\n" + json.dumps(echecs, ensure_ascii=False, indent=1)
