"""The main menu's entries, rendered once per set of permissions.

Why: every signed-in page rendered the menu: about 30 entries, each checked
by FAB's ``is_menu_visible`` (one ``has_access``: proxies, user checks), its
URL built and its label translated, about 1 ms per request (issue #6). What
it shows depends only on the user's permissions and, for an intervenant, on
whether the inscription is validated (app.views.profil); both make the key.
The permissions come from the per-process cache (app.security.manager),
whose frozenset changes as soon as the permission tables do, so an entry is
never served for permissions that no longer hold.
"""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_login import current_user
from markupsafe import Markup

from app import caches
from app.views.profil import inscription_validee

#: Distinct keys kept at most (a few roles and their combinations).
TAILLE_MAX = 64
_cache: dict[tuple, Markup] = {}


def menu_principal() -> Markup:
    """The ``<li>`` entries of the main menu for the current user."""
    sm = current_app.appbuilder.sm
    utilisateur = g.user if current_user.is_authenticated else None
    cle = (sm.permissions_of(utilisateur), inscription_validee())
    html = _cache.get(cle)
    if html is None:
        html = Markup(render_template("_menu_principal.html", appbuilder=current_app.appbuilder))  # noqa: S704 - a rendered template (autoescaped)
        if len(_cache) >= TAILLE_MAX:
            _cache.clear()
        _cache[cle] = html
    return html


def vider() -> None:
    _cache.clear()


def init_app(app) -> None:
    app.add_template_global(menu_principal)


caches.declarer("menu", cle="jeu de permissions, inscription validée", duree=f"le processus ({TAILLE_MAX} clés au plus)",
                vide_par="rien : la clé porte tout ce dont le rendu dépend", vider=vider)
