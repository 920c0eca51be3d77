"""Absolute links of e-mails, apart from the notifications that use them:
jobs (alerts, reminders) and receivers import it without importing each
other (the old import cycle notifications ↔ notifications_annonces ↔ alertes)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """Absolute link for an e-mail, built on ``PUBLIC_BASE_URL`` (e-mails are
    rendered in jobs too, without a request)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
