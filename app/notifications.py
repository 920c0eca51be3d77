"""Notifications triggered by workflow transitions (e-mails via the outbox)."""

from __future__ import annotations


def init_app(app) -> None:
    return None
