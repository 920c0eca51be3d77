"""The browser tests' shared helpers (tests/navigateur/): the journeys'
password, the link of the last e-mail sent to someone, keyboard moves that
check the focus is visible at every stop. The browser fixtures themselves
(``visite``, ``audit_axe``, ``connecter``) are in tests/navigateur/conftest.py."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import current_app

MOT_DE_PASSE = "Un-mot-de-passe-1!"


def lien_du_courriel(destinataire: str, base_url: str) -> str:
    """The first link to the application in the last .eml sent to ``destinataire``."""
    dossier = Path(current_app.config["MAIL_FILE_DIR"])
    for chemin in sorted(dossier.glob("*.eml"), key=lambda c: c.stat().st_mtime, reverse=True):
        message = BytesParser(policy=policy.default).parsebytes(chemin.read_bytes())
        if destinataire in str(message["To"]):
            texte = message.get_body(preferencelist=("plain",)).get_content()
            return re.search(re.escape(base_url) + r"/\S+", texte).group(0)
    raise AssertionError(f"aucun e-mail pour {destinataire} dans {dossier}")


_ACTIF = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const libelle = [e.labels && e.labels.length ? e.labels[0].innerText : "",
                   e.getAttribute("aria-label") || "", e.innerText || "", e.value || ""].map(t => t.trim());
  const visible = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
  return {libelle: libelle, visible: visible, balise: e.tagName};
}"""


def tabuler_jusqua(page, nom: str, maximum: int = 80) -> None:
    """Press Tab until the focused element's name contains ``nom``; every
    element met on the way must show its focus."""
    motif = re.compile(nom)
    for _ in range(maximum):
        page.keyboard.press("Tab")
        actif = page.evaluate(_ACTIF)
        if actif is None:
            continue
        assert actif["visible"], f"focus invisible sur {actif}"
        if any(motif.search(texte) for texte in actif["libelle"]):
            return
    raise AssertionError(f"« {nom} » jamais atteint au clavier sur {page.url} (dernier : {actif})")


def aller_au_contenu(page) -> None:
    """The skip link is the first stop: Enter moves to the main content."""
    page.keyboard.press("Tab")
    assert "Aller au contenu" in page.evaluate(_ACTIF)["libelle"]
    page.keyboard.press("Enter")
