"""Structured logs (issue 38, point 3): one line per request and per job,
with a request id that follows the work from the request to its jobs.

The request id comes from ``X-Request-ID`` when the proxy sends a sane one
(letters, digits, ``._-``, up to 128), else it is generated; it is returned
in the response's ``X-Request-ID``, put in the ``meta`` of every rq job the
request enqueues (``app.jobs.enqueue``) and taken back by the job
(``app.jobs.job``), so ``grep <id>`` over the web and worker logs shows one
request and everything it caused. Every log record made meanwhile carries
it (``request_id``).

A request line holds the user id (never an e-mail, a name or a NIR), the
method, the route (its rule, not the URL: no identifier of the query
string), the endpoint, the status and the duration. Health probes and
scrapes are not logged unless they fail.

With ``JOURNAL_JSON`` (production's default) the root logger writes one
JSON object per line on stderr (``python-json-logger``); otherwise the
handlers are left as they are (``flask run``'s console).
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("app.requetes")
log_taches = logging.getLogger("app.taches")

#: The id of the request or job running in this context (None: neither).
ID_REQUETE: contextvars.ContextVar[str | None] = contextvars.ContextVar("id_requete", default=None)
ENTETE = "X-Request-ID"
_ID_VALIDE = re.compile(r"[A-Za-z0-9._-]{1,128}")
#: Endpoints polled all the time: logged only when they do not answer 2xx.
_SONDES = ("sante.", "metriques.")


def nouvel_id() -> str:
    return uuid.uuid4().hex


def id_entrant(valeur: str | None) -> str:
    """The proxy's id when it is sane, else a new one (no log injection)."""
    return valeur if valeur and _ID_VALIDE.fullmatch(valeur) else nouvel_id()


def id_courant() -> str | None:
    return ID_REQUETE.get()


class AjoutIdRequete(logging.Filter):
    """Every record says which request or job it belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = ID_REQUETE.get()
        return True


def formateur_json() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "horodatage", "levelname": "niveau", "name": "journal"},
        timestamp=False,
        json_ensure_ascii=False,
    )


def configurer_json(flux=None) -> logging.Handler:
    """The root logger writes JSON lines (replacing its handlers: the
    worker's ``basicConfig`` one, for instance); idempotent."""
    racine = logging.getLogger()
    for ancien in list(racine.handlers):
        if getattr(ancien, "_espace_json", False) and flux is None:
            return ancien
    gestionnaire = logging.StreamHandler(flux or sys.stderr)
    gestionnaire._espace_json = True
    gestionnaire.setFormatter(formateur_json())
    gestionnaire.addFilter(AjoutIdRequete())
    racine.handlers = [gestionnaire]
    racine.setLevel(logging.INFO)
    return gestionnaire


# -- requests ---------------------------------------------------------------------
def _debut() -> None:
    g._journal_debut = time.perf_counter()
    g.request_id = id_entrant(request.headers.get(ENTETE))
    g._journal_jeton = ID_REQUETE.set(g.request_id)


def _utilisateur() -> int | None:
    """The signed-in user's id if this request loaded it (never loads it)."""
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _fin(reponse):
    request_id = g.get("request_id")
    if request_id is None:  # refused before our before_request ran
        return reponse
    reponse.headers[ENTETE] = request_id
    debut = g.get("_journal_debut")
    endpoint = request.endpoint or ""
    if endpoint.startswith(_SONDES) and reponse.status_code < 400:
        return reponse
    niveau = logging.ERROR if reponse.status_code >= 500 else logging.INFO
    log.log(niveau, "requête", extra={
        "request_id": request_id,
        "user_id": _utilisateur(),
        "methode": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "endpoint": endpoint or None,
        "statut": reponse.status_code,
        "duree_ms": round((time.perf_counter() - debut) * 1000, 1) if debut else None,
    })
    return reponse


def _fin_de_contexte(exc) -> None:
    jeton = g.pop("_journal_jeton", None)
    if jeton is not None:
        try:
            ID_REQUETE.reset(jeton)
        except ValueError:  # set in another context (a test keeping its app context)
            ID_REQUETE.set(None)


# -- jobs ------------------------------------------------------------------------
def meta_de_tache() -> dict:
    """What an enqueued job carries from its request (``app.jobs.enqueue``)."""
    request_id = ID_REQUETE.get()
    return {"request_id": request_id} if request_id else {}


class tache:
    """Around one job run: its request id (the enqueuing request's, from the
    rq job's meta; inline, the current request's), then one line at its end."""

    def __init__(self, nom: str):
        self.nom = nom

    def __enter__(self):
        self.debut = time.perf_counter()
        self.job_id, request_id = None, ID_REQUETE.get()
        try:
            from rq import get_current_job

            courant = get_current_job()
        except Exception:  # noqa: BLE001 - no rq job (inline run)
            courant = None
        if courant is not None:
            self.job_id = courant.id
            request_id = (courant.meta or {}).get("request_id") or request_id or f"tache-{courant.id}"
        self.request_id = request_id or nouvel_id()
        self.jeton = ID_REQUETE.set(self.request_id)
        return self

    def __exit__(self, type_exc, exc, tb):
        log_taches.log(logging.INFO if exc is None else logging.ERROR, "tâche", extra={
            "request_id": self.request_id,
            "tache": self.nom,
            "job_id": self.job_id,
            "statut": "ok" if exc is None else "erreur",
            "erreur": type(exc).__name__ if exc is not None else None,
            "duree_ms": round((time.perf_counter() - self.debut) * 1000, 1),
        })
        ID_REQUETE.reset(self.jeton)
        return False


def init_app(app: Flask) -> None:
    if app.config.get("JOURNAL_JSON"):
        configurer_json()
    app.before_request_funcs.setdefault(None, []).insert(0, _debut)
    app.after_request(_fin)
    app.teardown_request(_fin_de_contexte)
