"""URLs that are the same on every page (static files, footer links), built
once per process.

Why: the layout builds about thirty of them with ``url_for`` on every page
(a stylesheet, a script, a footer link each: about a twentieth of a
signed-in page's Python calls, issue #6). They depend only on the endpoint,
its arguments and the application's root path, which make the key.
"""

from __future__ import annotations

from flask import request, url_for

from app.infra import caches

#: Distinct URLs kept at most (the layout has about thirty).
TAILLE_MAX = 256
_cache: dict[tuple, str] = {}


def url_fixe(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` for a URL that depends on nothing else
    (no request argument, not external)."""
    cle = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = _cache.get(cle)
    if url is None:
        url = url_for(endpoint, **values)
        if len(_cache) >= TAILLE_MAX:
            _cache.clear()
        _cache[cle] = url
    return url


def peut(permission: str, vue: str) -> bool:
    """Whether the current user holds ``permission`` on ``vue``: a page shows
    a button or a link only to those it will not answer 403."""
    from flask import current_app

    return current_app.appbuilder.sm.has_access(permission, vue)


def init_app(app) -> None:
    app.add_template_global(url_fixe)
    app.add_template_global(peut)


caches.declarer("urls_fixes", cle="racine de l'application, endpoint, arguments",
                duree=f"le processus ({TAILLE_MAX} clés au plus)", vide_par="rien : la clé porte tout",
                vider=_cache.clear)
