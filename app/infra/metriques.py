"""Prometheus metrics (issue 38, point 2), with ``prometheus_client``.

Counted in each process as things happen: requests per endpoint, method and
status with their latency, sign-in and second-factor failures, sensitive
reads (NIR/IBAN shown, files downloaded). Under gunicorn the workers share
them through ``PROMETHEUS_MULTIPROC_DIR`` (``app.infra.gunicorn`` sets and
empties it); elsewhere the process's own registry is read.

Read at each scrape, from the shared state: the outbox (pending, failed, age
of the oldest pending) and the rq queues (length, failed jobs).

``/metrics`` is closed: it answers only a request carrying
``Authorization: Bearer <METRIQUES_JETON>``; without that setting, or
without the right token, it is a 404 like any unknown page.
"""

from __future__ import annotations

import hmac
import logging
import os
import time

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from app.extensions import db
from app.jobs import etat_des_files
from app.models.authentification import TentativeConnexion
from app.models.base import utcnow
from app.models.consultations import Consultation, ObjetConsultation
from app.models.fichiers import AccesFichier
from app.models.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

REQUETES = Counter("espace_http_requetes_total", "Requêtes HTTP servies", ["endpoint", "methode", "statut"])
DUREES = Histogram(
    "espace_http_requete_duree_secondes", "Durée des requêtes HTTP", ["endpoint", "methode", "statut"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ECHECS_CONNEXION = Counter("espace_connexion_echecs_total", "Connexions refusées (mot de passe, identifiant inconnu)",
                           ["canal"])
ECHECS_DEUX_FACTEURS = Counter("espace_deux_facteurs_echecs_total", "Codes de second facteur refusés", ["canal"])
LECTURES_SENSIBLES = Counter("espace_lectures_sensibles_total",
                             "Lectures sensibles : NIR ou IBAN affiché, fichier téléchargé", ["objet"])

#: Sign-in log reasons (``app.security.auth``) counted as failures, by metric.
_MOTIFS_MOT_DE_PASSE = frozenset({"mot_de_passe", "inconnu"})
_MOTIFS_CODE = frozenset({"code", "code_rejoue"})


def multiprocessus() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class EtatPartage:
    """Gauges read from the database and Redis at each scrape (the same on
    every node: scraped from one is enough, from each is harmless)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            yield from self._outbox()
            yield from self._files()

    def _outbox(self):
        try:
            comptes = dict(db.session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).where(
                    OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.failed])
                ).group_by(OutboxMessage.status)).all())
            plus_ancien = db.session.scalar(sa.select(sa.func.min(OutboxMessage.created_at))
                                            .where(OutboxMessage.status == OutboxStatus.pending))
        except Exception:  # noqa: BLE001 - the database is down: no outbox figures, the scrape still answers
            log.warning("Métriques : outbox illisible", exc_info=True)
            db.session.rollback()
            return
        finally:
            db.session.remove()
        comptes = {str(getattr(k, "value", k)): v for k, v in comptes.items()}
        attente = GaugeMetricFamily("espace_outbox_messages", "E-mails de l'outbox par statut", labels=["statut"])
        for statut in (OutboxStatus.pending, OutboxStatus.failed):
            attente.add_metric([statut.value], comptes.get(statut.value, 0))
        yield attente
        age = (utcnow() - plus_ancien).total_seconds() if plus_ancien else 0
        yield GaugeMetricFamily("espace_outbox_plus_ancien_en_attente_secondes",
                                "Âge du plus ancien e-mail en attente (0 : aucun)", value=max(age, 0))

    def _files(self):
        etats = etat_des_files() if self.app.config.get("REDIS_URL") else None
        if etats is None:
            return
        longueur = GaugeMetricFamily("espace_rq_file_longueur", "Tâches en attente par file rq", labels=["file"])
        echecs = GaugeMetricFamily("espace_rq_file_echecs", "Tâches en échec par file rq", labels=["file"])
        for etat in etats:
            longueur.add_metric([etat["nom"]], etat["en_attente"])
            echecs.add_metric([etat["nom"]], etat["echecs"])
        yield longueur
        yield echecs


def exposition(app: Flask) -> bytes:
    """The text exposition: this process's (or every gunicorn worker's)
    counters, then the shared gauges read now."""
    if multiprocessus():
        from prometheus_client import multiprocess

        registre = CollectorRegistry()
        multiprocess.MultiProcessCollector(registre)
    else:
        from prometheus_client import REGISTRY as registre
    partage = CollectorRegistry()
    partage.register(EtatPartage(app))
    return generate_latest(registre) + generate_latest(partage)


def jeton_valide(app: Flask) -> bool:
    """A request to /metrics carries the configured bearer token."""
    attendu = app.config.get("METRIQUES_JETON")
    if not attendu:
        return False
    entete = request.headers.get("Authorization", "")
    schema, _, jeton = entete.partition(" ")
    return schema.lower() == "bearer" and hmac.compare_digest(jeton.strip().encode(), attendu.encode())


# -- counting requests ----------------------------------------------------------
def _debut() -> None:
    g._metriques_debut = time.perf_counter()


def _fin(reponse):
    debut = g.pop("_metriques_debut", None)
    if debut is None:
        return reponse
    endpoint = request.endpoint or "inconnu"  # unknown URLs: one series, not one per URL
    if endpoint == "metriques.exposition":
        return reponse
    etiquettes = (endpoint, request.method, str(reponse.status_code))
    REQUETES.labels(*etiquettes).inc()
    DUREES.labels(*etiquettes).observe(time.perf_counter() - debut)
    return reponse


# -- counting security events, from the rows that record them ------------------
def _noter(session, flush_context) -> None:
    """New rows of the sign-in log, of the reads log and of file downloads,
    counted once their transaction commits (a rolled-back one counts nothing)."""

    a_compter = session.info.setdefault("metriques_a_compter", [])
    for objet in session.new:
        if isinstance(objet, TentativeConnexion) and not objet.succes:
            if objet.motif in _MOTIFS_MOT_DE_PASSE:
                a_compter.append((ECHECS_CONNEXION, objet.canal or "web"))
            elif objet.motif in _MOTIFS_CODE:
                a_compter.append((ECHECS_DEUX_FACTEURS, objet.canal or "web"))
        elif isinstance(objet, Consultation) and objet.objet in (ObjetConsultation.nir, ObjetConsultation.iban):
            a_compter.append((LECTURES_SENSIBLES, str(objet.objet)))
        elif isinstance(objet, AccesFichier):
            a_compter.append((LECTURES_SENSIBLES, "fichier"))


def _compter(session) -> None:
    if session.in_nested_transaction():
        return
    for metrique, etiquette in session.info.pop("metriques_a_compter", []):
        metrique.labels(etiquette).inc()


def _oublier(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("metriques_a_compter", None)


def init_session_events(session) -> None:
    for nom, ecouteur in (("after_flush", _noter), ("after_commit", _compter),
                          ("after_transaction_end", _oublier)):
        if not sa.event.contains(session, nom, ecouteur):
            sa.event.listen(session, nom, ecouteur)


def init_app(app: Flask) -> None:
    # first: a request another before_request refuses (400, 404) is counted too
    app.before_request_funcs.setdefault(None, []).insert(0, _debut)
    app.after_request(_fin)
    init_session_events(db.session)


def metriques_reponse():
    """The /metrics response, or None (404) without the right token."""
    app = current_app._get_current_object()
    if not jeton_valide(app):
        return None
    from prometheus_client import CONTENT_TYPE_LATEST

    return exposition(app), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
