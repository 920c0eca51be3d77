"""Background jobs: every job of the application is declared here.

With ``REDIS_URL`` set, jobs go to rq queues and a real ``rq worker`` runs
them; without it (embedded default, tests) they run inline.
"""

from __future__ import annotations

from flask import current_app


def init_app(app) -> None:
    app.extensions["jobs"] = {"redis_url": app.config.get("REDIS_URL")}


def enqueue(func, *args, queue: str = "default", **kwargs):
    """Run ``func`` in the background (rq) or now (inline)."""
    if not current_app.config.get("REDIS_URL"):
        return func(*args, **kwargs)
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(queue, connection=connection).enqueue(func, *args, **kwargs)
