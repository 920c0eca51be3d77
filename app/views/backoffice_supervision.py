"""Console screens for technical supervision (outbox, jobs, audit)."""

from __future__ import annotations


def add_supervision_views(admin, session) -> None:
    return None
