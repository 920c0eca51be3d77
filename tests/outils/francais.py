"""English words the frameworks (FAB, flask-admin, WTForms, Werkzeug,
Flask-Limiter) leave in a page: found in what a person reads or hears —
visible text and the attributes shown or spoken (title, aria-label,
placeholder, alt, a button's value) — never in URLs, CSS classes or scripts
(issue 25, point 1)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Whole words, case-sensitive as the frameworks write them.
MOTS_ANGLAIS = (
    "Show", "Edit", "Delete", "Add", "record", "records", "Record", "Cancel", "OK",
    "Too Many Requests", "Export", "Search", "Actions", "Select Value", "__None",
    "User confirmation needed", "Save", "Back", "List", "Refresh", "Filter", "Add Filter",
    "items", "item", "Submit", "Previous", "Next", "First", "Last", "Home", "Logout", "Login",
    "Page size", "Not Found", "Forbidden", "Bad Request", "Internal Server Error",
    "per minute", "per 5 minute", "True", "False", "None", "Yes", "No",
    "Create", "Details", "Detail", "Close", "Please", "You sure", "This field is required",
    "Invalid", "Not a valid", "Count", "Equal to", "Contains", "Starts with", "Ends with",
    "Greater than", "Smaller than", "Relation", "Check all", "Uncheck all", "With selected",
    "Selected", "Apply", "Reset", "Sort", "Ascending", "Descending", "empty",
    # flask-admin's labels of a column it names itself and its boolean icons' titles
    "Ab User", "Id", "Original Name", "true", "false", "items",
)
_MOTIF = re.compile(r"(?<![\w-])(" + "|".join(re.escape(m) for m in sorted(MOTS_ANGLAIS, key=len, reverse=True))
                    + r")(?![\w-])")

#: French expressions of the manual or of the portal that contain one of those
#: spellings: taken out of a text before it is searched.
EXPRESSIONS_FRANCAISES = (
    "OK, tout accepter",  # manual §2.4, the cookie banner
    "Actions de professionnalisation",  # manual, page 2 « Parcours »
    "Actions sur le message",
    "Export de la CV-thèque",
)

#: Attributes a person reads or a screen reader speaks.
_ATTRIBUTS_LUS = {"title", "aria-label", "placeholder", "alt", "aria-description", "data-original-title"}
_BOUTONS = {"submit", "button", "reset"}
#: Elements whose text is not shown (scripts, styles) or not meant as text.
_IGNORES = {"script", "style", "template", "noscript"}


class _Lecteur(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.textes: list[str] = []
        self._ignore = 0

    def handle_starttag(self, tag, attrs):
        if tag in _IGNORES:
            self._ignore += 1
        attributs = dict(attrs)
        for nom, valeur in attrs:
            if valeur and nom in _ATTRIBUTS_LUS:
                self.textes.append(f"[{tag} {nom}] {valeur}")
        if tag == "input" and (attributs.get("type") or "").lower() in _BOUTONS and attributs.get("value"):
            self.textes.append(f"[input value] {attributs['value']}")

    def handle_startendtag(self, tag, attrs):
        ignore = self._ignore
        self.handle_starttag(tag, attrs)
        self._ignore = ignore

    def handle_endtag(self, tag):
        if tag in _IGNORES and self._ignore:
            self._ignore -= 1

    def handle_data(self, data):
        if not self._ignore and data.strip():
            self.textes.append(data.strip())


def textes_lus(html: str) -> list[str]:
    """The pieces of ``html`` a person reads or hears."""
    lecteur = _Lecteur()
    lecteur.feed(html)
    lecteur.close()
    return lecteur.textes


def mots_anglais(html: str) -> list[str]:
    """« mot » in « texte » for each framework English word of the page."""
    trouves = []
    for texte in textes_lus(html):
        for expression in EXPRESSIONS_FRANCAISES:
            texte = texte.replace(expression, "…")
        for m in _MOTIF.finditer(texte):
            trouves.append(f"« {m.group(1)} » dans « {texte[:120]} »")
    return trouves
