"""Background jobs: every job of the application is declared here.

With ``REDIS_URL`` set, ``enqueue`` puts jobs on rq queues (``RQ_QUEUES``:
``mail`` and ``default``) and a real worker runs them; without it (embedded
default, tests) they run inline, in the caller's process. Periodic jobs are
declared once, in ``app/jobs/cron.py``.

Full stack processes (Procfile)::

    worker: rq worker --url "$REDIS_URL" --worker-class app.jobs.AppWorker --with-scheduler mail default
    cron: python -m app.jobs.planificateur --url "$REDIS_URL"

``--with-scheduler`` is required: e-mail retries with intervals are scheduled
jobs. ``AppWorker`` builds the Flask app once, before forking work horses; a
plain ``rq worker`` works too (each job then builds the app in its horse).
Worker and cron read the same environment as the web process (``APP_CONFIG``,
``DATABASE_URL``, ``REDIS_URL``, ``MAIL_*``...).
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
import uuid
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry, Worker

from app.extensions import db
from app.infra import mail
from app.infra.journal import meta_de_tache, tache
from app.infra.mail import (
    RETRY,
    MailDeliveryError,
    dispatch,
    due_messages,
    init_session_events,
    purge_sent,
    send_outbox_message,
)

log = logging.getLogger(__name__)

_connections: dict[str, Redis] = {}
_worker_app: Flask | None = None


def init_app(app) -> None:
    app.extensions["jobs"] = {"redis_url": app.config.get("REDIS_URL")}
    init_session_events()


# -- rq plumbing ------------------------------------------------------------
def redis_connection(url: str | None = None) -> Redis:
    """One client (and connection pool) per Redis URL and process."""
    url = url or current_app.config["REDIS_URL"]
    if url not in _connections:
        # Short timeouts: a frozen Redis (SIGSTOP, a saturated host) must not
        # hold a decision's page after its commit (issue #34: 10 s before).
        config = current_app.config if has_app_context() else {}
        _connections[url] = Redis.from_url(
            url, socket_connect_timeout=config.get("REDIS_CONNECT_TIMEOUT", 1),
            socket_timeout=config.get("REDIS_SOCKET_TIMEOUT", 2),
            retry=RedisRetry(NoBackoff(), 0))  # redis-py retries 3 times by default: 4 timeouts
    return _connections[url]


def etat_des_files() -> list[dict] | None:
    """Each rq queue's health for the console: jobs queued, failed and
    scheduled (delayed retries). None: no ``REDIS_URL`` or Redis unreachable
    (« indisponible »), never an error page."""
    if not current_app.config.get("REDIS_URL"):
        return None
    try:
        etats = []
        for nom in current_app.config["RQ_QUEUES"]:
            file = get_queue(nom)
            etats.append({"nom": nom, "en_attente": file.count, "echecs": file.failed_job_registry.count,
                          "planifiees": file.scheduled_job_registry.count})
        return etats
    except Exception:  # noqa: BLE001 - redis-py's connection and timeout errors: shown as unavailable
        log.warning("Files de tâches illisibles (Redis injoignable ?)", exc_info=True)
        return None


def get_queue(name: str = "default") -> Queue:
    """The rq queue ``name`` on the application's Redis."""
    if name not in current_app.config["RQ_QUEUES"]:
        raise ValueError(f"File de tâches inconnue : {name!r}")
    return Queue(name, connection=redis_connection())


def enqueue(func, *args, queue: str = "default", retry: Retry | None = None, **kwargs):
    """Run ``func`` in the background (rq) or now (inline, no ``REDIS_URL``).

    Inline, ``retry`` is ignored and exceptions propagate to the caller; on
    Redis, the rq job is returned and a Redis outage raises ``RedisError``.
    The job carries the current request id (``app.infra.journal``).
    """
    if queue not in current_app.config["RQ_QUEUES"]:
        raise ValueError(f"File de tâches inconnue : {queue!r}")
    if not current_app.config.get("REDIS_URL"):
        return func(*args, **kwargs)

    return get_queue(queue).enqueue(func, args=args, kwargs=kwargs, retry=retry, meta=meta_de_tache())


@contextmanager
def app_context():
    """The current app when there is one (inline jobs, tests running a
    SimpleWorker in-process), else the worker's own app, built once."""
    global _worker_app
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _worker_app is None:
        # The worker process builds the application: the factory (which imports
        # every layer) is only reached here, the one import up (pyproject's
        # [tool.importlinter] ignore_imports).
        from app import create_app

        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        _worker_app = create_app()
    with _worker_app.app_context():
        yield _worker_app


def job(func):
    """Make ``func`` runnable by an rq worker: it runs within an app context,
    under its request's id, and logs one line at its end (``app.infra.journal``)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with app_context(), tache(func.__qualname__):
            return func(*args, **kwargs)

    return wrapper


#: Seconds between two attempts to reach Redis again after an outage: each
#: failure moves to the next value, the last one repeats (logged each time).
ATTENTES_REDIS = (1, 2, 4, 8, 15, 30, 60)


def attendre_redis(connection: Redis, qui: str, arret=lambda: False) -> None:
    """Wait until Redis answers, with a growing, logged delay (issue #34: the
    worker and the cron used to exit when Redis was away)."""
    for essai in itertools.count():
        if arret():
            return
        try:
            connection.ping()
            if essai:
                log.warning("%s : Redis répond de nouveau, reprise.", qui)
            return
        except (RedisConnectionError, RedisTimeoutError) as exc:
            attente = ATTENTES_REDIS[min(essai, len(ATTENTES_REDIS) - 1)]
            log.warning("%s : Redis injoignable (%s), nouvel essai dans %d s.", qui, exc, attente)
            time.sleep(attente)


class AppWorker(Worker):
    """rq worker that builds the app once in the parent process, and outlives
    a Redis outage.

    Work horses are forked from it: they inherit the app context and drop the
    inherited database pool (connections must not cross a fork). rq's loop
    quits on a Redis error outside its wait for jobs (a heartbeat after a
    job, its registration): this worker waits for Redis (``attendre_redis``)
    and starts its loop again under a new name, unless it was asked to stop.
    """

    def work(self, *args, **kwargs):
        borne = kwargs.get("burst") or kwargs.get("max_jobs") or kwargs.get("max_idle_time") or args
        with app_context():
            while True:
                try:
                    resultat = super().work(*args, **kwargs)
                    erreur = None
                except (RedisConnectionError, RedisTimeoutError) as exc:
                    erreur, resultat = exc, False
                if self._stop_requested or (borne and erreur is None):
                    return resultat
                log.warning("Worker %s : boucle interrompue (%s) ; attente de Redis avant de reprendre.",
                            self.name, erreur or "arrêt de rq")
                attendre_redis(self.connection, f"Worker {self.name}", lambda: self._stop_requested)
                if self._stop_requested:
                    return resultat
                self.name = uuid.uuid4().hex  # the old name may still be registered alive

    def main_work_horse(self, job, queue):
        for engine in db.engines.values():
            engine.dispose(close=False)
        super().main_work_horse(job, queue)


# -- jobs -------------------------------------------------------------------
@job
def deliver_outbox_message(message_id: int) -> str:
    """Send one outbox e-mail. Raises ``MailDeliveryError`` when the attempt
    failed and another one is planned, so that rq's ``Retry`` reschedules it."""
    outcome = send_outbox_message(message_id)
    if outcome == RETRY:
        raise MailDeliveryError(f"E-mail n°{message_id} non envoyé, nouvel essai planifié.")
    return outcome


@job
def redispatch_pending() -> int:
    """Periodic: dispatch again the outbox rows whose next attempt is due
    (SMTP or Redis was down, a worker died while sending)."""
    due = due_messages()
    if due:
        log.info("Outbox : %d e-mail(s) à renvoyer.", len(due))
        dispatch(due)
    return len(due)


@job
def purge_sent_messages(days: int | None = None) -> int:
    """Periodic: delete sent e-mails older than ``OUTBOX_RETENTION_DAYS``
    (they hold personal data and are no longer needed)."""
    days = days if days is not None else current_app.config.get("OUTBOX_RETENTION_DAYS", 90)
    count = purge_sent(days)
    if count:
        log.info("Outbox : %d e-mail(s) envoyé(s) depuis plus de %d jours supprimé(s).", count, days)
    return count


def _livrer(message_id: int, *, retry: Retry | None) -> None:
    enqueue(deliver_outbox_message, message_id, queue="mail", retry=retry)


mail.declarer_livraison(_livrer)
