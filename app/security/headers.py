"""Security headers of every response (issue 19, point 5), by Flask-Talisman.

- Content-Security-Policy: scripts from the application only, inline ones
  only with the request's nonce (``csp_nonce()`` in templates, which FAB's
  ``baselib.get_nonce`` reads; flask-admin's through ``csp_nonce_generator``),
  ``frame-ancestors 'none'``; inline styles stay allowed (FAB's and
  flask-admin's templates use them, they run no code).
- X-Content-Type-Options nosniff, Referrer-Policy same-origin, X-Frame-Options DENY.
- Cache-Control no-store on every response to a signed-in user (pages,
  exports, files), static assets apart: nothing personal left in a cache.

Session cookie flags stay those of the configuration (``config.py``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, request
from flask_login import current_user
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def politique(app) -> dict:
    """The CSP, opened to the audience measurement's origin when one is set
    (loaded only after consent, app/templates/portail/_consentement.html)."""
    csp = dict(CSP)
    if url := app.config.get("MESURE_AUDIENCE_URL"):
        parts = urlsplit(url)
        origine = f"{parts.scheme}://{parts.netloc}"
        for directive in ("script-src", "connect-src", "img-src"):
            csp[directive] = f"{csp[directive]} {origine}"
    return csp


def options_vue(**options):
    """Per-view Talisman options (a stricter CSP for a download...)."""

    def decorer(vue):
        vue.talisman_view_options = options
        return vue

    return decorer


def nonce() -> str:
    """The request's CSP nonce (flask-admin's ``csp_nonce_generator``)."""
    return getattr(request, "csp_nonce", "")


def _sans_cache(response):
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return response
    connecte = (current_user and current_user.is_authenticated) or g.get("etait_connecte", False)
    if connecte and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # TLS ends at the proxy; HSTS is sent on HTTPS requests
        frame_options="DENY",
        content_security_policy=politique(app),
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="same-origin",
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        session_cookie_http_only=app.config.get("SESSION_COOKIE_HTTPONLY", True),
    )
    app.after_request(_sans_cache)
