"""The main menu: its entries rendered once per set of permissions, its
badges (per-user counts) per request.

Why: every signed-in page rendered the menu: about 30 entries, each checked
by FAB's ``is_menu_visible`` (one ``has_access``: proxies, user checks), its
URL built and its label translated, about 1 ms per request (issue #6). What
it shows depends only on the user's permissions and, for an intervenant, on
whether the inscription is validated (app.views.profil); both make the key.
The permissions come from the per-process cache (app.security.manager),
whose frozenset changes as soon as the permission tables do, so an entry is
never served for permissions that no longer hold.

Badges (issue #18): a feature declares one on its menu entry
(``declarer_badge``): one indexed ``SELECT count(*)`` with bound parameters,
and a function giving the current user's values (or None: no badge for this
user). The cached
entries hold a marker where a declared badge may go; at each request the
counts of the badges of the entries the user sees are read in one statement
(a SELECT of scalar subqueries, built once per set of badges and kept
prepared) and put in place; none is read when no visible entry has a badge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, render_template, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import Select, select

from app.extensions import db, preparee
from app.infra import caches
from app.views.profil import inscription_validee, menu_inscription_visible

#: Distinct keys kept at most (a few roles and their combinations).
TAILLE_MAX = 64
_cache: dict[tuple, tuple[Markup, tuple[int, ...]]] = {}


@dataclass(frozen=True)
class Badge:
    #: The menu entry's name (``appbuilder.add_view(…, name)``).
    entree: str
    #: One indexed ``SELECT count(*)``, its values as bound parameters
    #: (built once; their names unique among the badges).
    requete: Select
    #: The current user's bound values, or None: no badge for this user.
    valeurs: Callable[[], dict | None]
    #: What the number is, for screen readers (``{n}`` is the count).
    texte: str


#: Declared badges; a badge's marker is its index here.
_badges: list[Badge] = []
#: Badge indices → their counts as one statement, built once per set.
_requetes: dict[tuple[int, ...], Select] = {}
_MARQUE = re.compile(r"<!--badge:(\d+)-->")


def declarer_badge(entree: str, requete: Select, valeurs: Callable[[], dict | None], texte: str) -> None:
    """Show on menu entry ``entree`` the number ``requete`` counts with the
    current user's ``valeurs()`` (nothing when they are None or the count
    is 0). Declared at import, once per entry."""
    if any(b.entree == entree for b in _badges):
        raise ValueError(f"Badge déjà déclaré pour l'entrée de menu « {entree} ».")
    noms = set(requete.compile().params)
    if communs := noms & {n for b in _badges for n in b.requete.compile().params}:
        raise ValueError(f"Paramètres déjà pris par un autre badge : {', '.join(sorted(communs))}.")
    _badges.append(Badge(entree, requete, valeurs, texte))


def marque_badge(nom: str) -> Markup:
    """Template global of the cached entries: where ``nom``'s badge goes."""
    for i, badge in enumerate(_badges):
        if badge.entree == nom:
            return Markup(f"<!--badge:{i}-->")  # noqa: S704 - an index
    return Markup("")


def rendre_badge(badge: Badge, nombre: int | None) -> str:
    """A number seen, its meaning heard (the number alone says nothing)."""
    if not nombre:
        return ""
    texte = escape(badge.texte.format(n=nombre))
    return f' <span class="badge" aria-hidden="true">{nombre}</span><span class="sr-only"> ({texte})</span>'


def _requete(indices: tuple[int, ...]) -> Select:
    """One row of the badges' counts (scalar subqueries), kept prepared."""
    if indices not in _requetes:
        _requetes[indices] = preparee(select(*(
            _badges[i].requete.scalar_subquery().label(f"badge_{i}") for i in indices
        )))
    return _requetes[indices]


def compter_badges(indices: tuple[int, ...]) -> dict[int, int]:
    """The counts of the badges ``indices`` that apply to the current user,
    in one statement (none if no badge applies or all were read in this
    request: ``nombre_badge``)."""
    deja = g.setdefault("_badges_comptes", {})
    parametres, retenus = {}, []
    for i in indices:
        if i in deja:
            continue
        valeurs = _badges[i].valeurs()
        if valeurs is not None:
            parametres.update(valeurs)
            retenus.append(i)
    if retenus:
        ligne = db.session.execute(_requete(tuple(retenus)), parametres).one()
        deja.update(zip(retenus, ligne, strict=True))
    return {i: deja[i] for i in indices if i in deja}


def nombre_badge(entree: str) -> int | None:
    """The count of ``entree``'s badge for the current user (a page title
    shows it): read once per request, the menu then reuses it."""
    for i, badge in enumerate(_badges):
        if badge.entree == entree:
            # Every badge that applies to the user, in the same one statement:
            # the menu rendered after the title then reads none.
            return compter_badges(tuple(range(len(_badges)))).get(i)
    return None


# The manual's menu (§3.3.1, §5.1.1): « Accueil | Tableau de bord | Mon compte |
# Mes réponses aux annonces | Recherche avancée d'annonces | Messagerie |
# Informations Complémentaires »; staff menus grouped the same way. The entries
# stay FAB's (their permissions give them); this only orders them and adds the
# manual's plain links. An entry registered later in a category (« Récupérer
# mes données », « Me désinscrire » when their feature lands) takes its place
# here by its name; one not listed goes after the listed ones.

#: Top-level order, by FAB name (category or entry); the manual's links by their label.
ORDRE = (
    "Tableau de bord", "Mon compte", "Mes réponses aux annonces", "Recherche avancée d'annonces",
    "Messagerie", "Gestion", "Administration nationale", "Security", "Informations Complémentaires",
)
#: Entries' order inside a category (by FAB name).
ORDRE_ENTREES = {
    "Mon compte": (
        "Mes informations", "Mes données et documents", "Mon parcours", "Changer mon mot de passe",
        "Récupérer mes données", "Me désinscrire", "Changer mon identifiant", "Double authentification",
        "Mon profil", "Mes demandes de support",
    ),
    "Gestion": (
        "Demandes d'inscription", "Dossiers administratifs", "CV-thèque", "Annonces", "Candidatures",
        "Créer un compte intervenant", "Demandes de support",
    ),
}
#: A category shown as one link to its first entry (manual: « le menu tableau de
#: bord vous permet de suivre vos réponses aux annonces »), that entry shown
#: on its own too.
CATEGORIES_LIEN = ("Tableau de bord",)


@dataclass
class Entree:
    nom: str
    libelle: str
    url: str | None = None
    enfants: list[Entree] | None = None


def _rang(ordre: tuple[str, ...], nom: str) -> int:
    return ordre.index(nom) if nom in ordre else len(ordre)


def entrees_menu(visible: Callable[[object], bool]) -> list[Entree]:
    """The main menu's entries in the manual's order, for what ``visible``
    (FAB's menu permission and the inscription's state) lets through."""
    entrees: list[Entree] = []
    for item in current_app.appbuilder.menu.get_list():
        if not visible(item):
            continue
        if not item.childs:
            entrees.append(Entree(item.name, item.label, item.get_url()))
            continue
        enfants = [Entree(c.name, c.label, c.get_url()) for c in item.childs
                   if c and c.name != "-" and visible(c)]
        enfants.sort(key=lambda e: _rang(ORDRE_ENTREES.get(item.name, ()), e.nom))
        if not enfants:
            continue
        if item.name in CATEGORIES_LIEN:
            entrees.append(Entree(item.name, item.label, enfants[0].url))
            entrees.extend(enfants)
        else:
            entrees.append(Entree(item.name, item.label, enfants=enfants))
    noms = {e.nom for e in entrees}
    if "Mes réponses aux annonces" in noms:  # the same readers: intervenants once validated
        entrees.append(Entree("Recherche avancée d'annonces", "Recherche avancée d'annonces",
                              url_for("AnnoncesPubliquesView.recherche")))
    entrees.append(Entree("Informations Complémentaires", "Informations Complémentaires",
                          url_for("PagesView.informations_complementaires")))
    entrees.sort(key=lambda e: _rang(ORDRE, e.nom))
    return entrees


def _squelette(sm, utilisateur) -> tuple[Markup, tuple[int, ...]]:
    cle = (sm.permissions_of(utilisateur), inscription_validee())
    entree = _cache.get(cle)
    if entree is None:
        def visible(item) -> bool:
            return sm.has_access("menu_access", item.name) and menu_inscription_visible(item)

        html = render_template("_menu_principal.html", appbuilder=current_app.appbuilder,
                               entrees=entrees_menu(visible))
        entree = (Markup(html), tuple(int(i) for i in _MARQUE.findall(html)))  # noqa: S704 - a rendered template (autoescaped)
        if len(_cache) >= TAILLE_MAX:
            _cache.clear()
        _cache[cle] = entree
    return entree


def menu_principal() -> Markup:
    """The ``<li>`` entries of the main menu for the current user, with the
    badges of the entries they see."""
    sm = current_app.appbuilder.sm
    utilisateur = g.user if current_user.is_authenticated else None
    html, indices = _squelette(sm, utilisateur)
    if not indices:
        return html
    nombres = compter_badges(indices)
    return Markup(_MARQUE.sub(lambda m: rendre_badge(_badges[int(m[1])], nombres.get(int(m[1]))), html))  # noqa: S704 - counts and escaped texts


def vider() -> None:
    _cache.clear()
    _requetes.clear()


def init_app(app) -> None:
    app.add_template_global(menu_principal)
    app.add_template_global(marque_badge)


caches.declarer("menu", cle="jeu de permissions, inscription validée (entrées) ; badges de la page (leur requête)",
                duree=f"le processus ({TAILLE_MAX} clés au plus)",
                vide_par="rien : la clé porte tout ce dont le rendu dépend ; les nombres sont lus à chaque requête",
                vider=vider)
