"""Public pages (home, annonce search, annonce detail) rendered once and kept
per process for anonymous visitors.

Why: these pages are the same for every visitor who is not signed in, and
rendering them (queries, ORM rows, the layout and its menu) cost 9 to 12 ms
of the two cores per request; served again they cost well under 1 ms
(issue #6, BENCHMARKS.md).

What differs per visitor is restored at each hit: the CSP nonce of the
inline scripts (app.security.headers), the CSRF token of the login
form and of the cookie banner is stored as a placeholder and replaced by the
visitor's own token (``flask_wtf.csrf.generate_csrf``, which also puts the
raw token in the visitor's session, as a fresh rendering would), and the
cookie-consent cookie is part of the key (banner or not, audience script or
not). Never cached nor served from the cache: signed-in users, visitors with
flash messages waiting, anything but a GET answered 200 in HTML.

Freshness: an entry lives ``CACHE_PAGES_PUBLIQUES_SECONDES`` (default 10 s;
0 turns the cache off); a commit in this process that touches an annonce, a
news item, a public document, a referential or a role drops every entry, so
the process that made a change shows it at once and the others within that
delay. Keys carry the day: which annonces are open depends on the date. The
number of entries is bounded (least recently used first out), so arbitrary
query strings cannot grow the memory.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session
from flask.globals import request_ctx
from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import inspect

from app.extensions import db
from app.infra import caches
from app.infra.caches import vider_apres_commit
from app.models.annonces import Annonce
from app.models.base import utcnow
from app.models.contenus import Actualite, DocumentPublic
from app.models.referentiels import Structure
from app.referentiels.options import MODULE_REFERENTIELS
from app.security.headers import nonce

#: Cookie remembering the visitor's consent (manual §2.4, app.views.portail);
#: its value lists the optional services allowed ("mesure" = audience
#: measurement), "aucun" if none. It changes the public pages (banner, script).
COOKIE_CONSENTEMENT = "ei_consentement"
MAX_ENTREES = 500
#: Stands for the visitor's CSRF token in a stored page (cannot occur in a
#: rendered page: HTML escaping turns its angle brackets into entities).
JETON = "<@jeton-csrf@>"
#: Stands for the request's CSP nonce (app.security.headers): each response
#: has its own, so a stored page gets the visitor's at each hit.
NONCE = "<@nonce-csp@>"
_PUBLIES = (Annonce, Actualite, DocumentPublic, Structure, Role, PermissionView, Permission, ViewMenu)

_cache: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
#: gunicorn's sync workers serve one request at a time; the threaded
#: development server does not.
_verrou = threading.Lock()


def _cle() -> tuple:
    return request.full_path, request.cookies.get(COOKIE_CONSENTEMENT), utcnow().date()


def _cachable() -> bool:
    return request.method == "GET" and not current_user.is_authenticated and "_flashes" not in session


def page_publique(vue):
    """Decorator of a public view method: serve anonymous visitors from the cache."""

    @functools.wraps(vue)
    def servir(*args, **kwargs):
        ttl = current_app.config.get("CACHE_PAGES_PUBLIQUES_SECONDES", 10)
        if ttl <= 0 or not _cachable():
            return vue(*args, **kwargs)
        cle = _cle()
        maintenant = time.monotonic()
        with _verrou:
            entree = _cache.get(cle)
            if entree is not None and entree[0] > maintenant:
                _cache.move_to_end(cle)
        if entree is not None and entree[0] > maintenant:
            corps = entree[1]
            if JETON in corps:
                corps = corps.replace(JETON, generate_csrf())
            corps = corps.replace(NONCE, nonce())
            return current_app.response_class(corps, mimetype="text/html")
        reponse = current_app.make_response(vue(*args, **kwargs))
        # A message flashed during the rendering is in the page (and already
        # gone from the session): that page is this visitor's only.
        affiches = request_ctx.flashes
        if reponse.status_code == 200 and reponse.mimetype == "text/html" and not affiches and _cachable():
            corps = reponse.get_data(as_text=True)
            if nonce():
                corps = corps.replace(nonce(), NONCE)
            jeton = _jeton_rendu()
            with _verrou:
                _cache[cle] = (maintenant + ttl, corps.replace(jeton, JETON) if jeton else corps)
                _cache.move_to_end(cle)
                while len(_cache) > MAX_ENTREES:
                    _cache.popitem(last=False)
        return reponse

    return servir


def _jeton_rendu() -> str | None:
    """The CSRF token this request put in its page, if it made one (Flask-WTF
    keeps it in ``g`` under the field name)."""
    return g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def vider() -> None:
    with _verrou:
        _cache.clear()


def _publie(obj) -> bool:
    return isinstance(obj, _PUBLIES) or type(obj).__module__ == MODULE_REFERENTIELS


def _modifie(session_, obj) -> bool:
    # An annonce whose spécialités changed is dirty through its collections:
    # that counts, and so do a role's permissions (the public menu). A
    # structure or a role is also dirty through its collections when an
    # account is linked to it: that changes no public page.
    if isinstance(obj, Role) and inspect(obj).attrs.permissions.history.has_changes():
        return True
    return session_.is_modified(obj, include_collections=isinstance(obj, Annonce))


def init_app(app) -> None:
    vider_apres_commit(db.session, "pages_publiques", _publie, vider, modifie=_modifie)


caches.declarer("pages_publiques", cle="chemin, paramètres, racine de l'application",
                duree="CACHE_PAGES_PUBLIQUES_SECONDES",
                vide_par="un commit de ce processus qui touche annonces, actualités ou référentiels", vider=vider)
