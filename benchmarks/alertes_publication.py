"""Alert fan-out at publication (issue #6 target: an annonce matching 30 % of
the intervenants computed and queued in 5 s or less).

Measured the way production does it: the gestionnaire publishes through the
annonce workflow (the INSERT … SELECT of the alerts runs in that transaction),
the commit enqueues ``planifier_envoi`` on Redis, then that job runs (as the
worker would) and enqueues one ``envoyer_lot`` job per batch. The clock stops
when every batch is on the queue; sending the e-mails is the workers' business
afterwards and is not part of the target. The measurement annonce, its alerts
and the jobs are removed afterwards, so the run can be repeated."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from rq import Queue

from app.extensions import db
from app.jobs import redis_connection
from app.jobs.alertes import condition_correspondance, planifier_envoi
from app.models.annonces import AlerteEnvoyee, Annonce, annonce_region, annonce_specialite
from app.models.comptes import Gestionnaire, Intervenant
from app.models.referentiels import Region, Specialite
from app.models.workflow import TransitionHistorique
from app.workflows.annonce import annonce as workflow_annonce
from app.workflows.core import Acteur

PART_VISEE = 0.30


def _part(annonce_id: int, total: int) -> float:
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Intervenant).where(condition_correspondance(annonce_id)))
    return n / total


def _annonce_a_30_pourcent(structure_id: int, total: int) -> Annonce:
    """A draft annonce whose criteria match at least 30 % of all intervenants:
    every spécialité, then régions added one at a time until the share is reached."""
    rng = random.Random(3)
    numeros = set(db.session.scalars(sa.select(Annonce.numero)))
    numero = next(n for n in (f"9{rng.randrange(10**9):09d}" for _ in range(1000)) if n not in numeros)
    annonce = Annonce(
        numero=numero, intitule="Mesure des alertes", description="Annonce de mesure (benchmark).",
        date_limite=date.today() + timedelta(days=30), structure_id=structure_id,
        specialites=db.session.scalars(sa.select(Specialite)).all(),
    )
    db.session.add(annonce)
    db.session.flush()
    for region in db.session.scalars(sa.select(Region).order_by(Region.id)):
        if _part(annonce.id, total) >= PART_VISEE:
            break
        annonce.regions.append(region)
        db.session.flush()
    db.session.commit()
    return annonce


def _supprimer(annonce_id: int) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(AlerteEnvoyee).where(AlerteEnvoyee.annonce_id == annonce_id))
    db.session.execute(
        sa.delete(TransitionHistorique).where(
            TransitionHistorique.workflow == "annonce", TransitionHistorique.objet_id == annonce_id
        )
    )
    db.session.execute(sa.delete(annonce_specialite).where(annonce_specialite.c.annonce_id == annonce_id))
    db.session.execute(sa.delete(annonce_region).where(annonce_region.c.annonce_id == annonce_id))
    db.session.execute(sa.delete(Annonce).where(Annonce.id == annonce_id))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # The next publication must meet the table as production leaves it,
        # not full of the dead rows of this measurement.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE alerte_envoyee")


def mesurer(app, repetitions: int = 3) -> dict:
    """Publish a 30 % annonce ``repetitions`` times; durations in ms."""
    if not app.config.get("REDIS_URL"):
        raise RuntimeError("La mesure des alertes demande REDIS_URL (les tâches doivent être mises en file).")
    durees, alertes, lots = [], 0, 0
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Intervenant))
        structure_id, user_id = db.session.execute(
            sa.select(Gestionnaire.structure_id, Gestionnaire.user_id).order_by(Gestionnaire.id).limit(1)
        ).one()
        redis = redis_connection()
        for _ in range(repetitions):
            redis.flushdb()
            annonce = _annonce_a_30_pourcent(structure_id, total)
            part = _part(annonce.id, total)
            acteur = Acteur.from_user(db.session.get(User, user_id))
            try:
                debut = time.perf_counter()
                workflow_annonce.apply(annonce, "publier", acteur)
                db.session.commit()  # after_commit: planifier_envoi goes on the queue
                queue = Queue("default", connection=redis)
                job = queue.jobs[0]
                lots = planifier_envoi(*job.args)  # what the worker does next
                durees.append((time.perf_counter() - debut) * 1000)
                alertes = db.session.scalar(
                    sa.select(sa.func.count()).select_from(AlerteEnvoyee).where(AlerteEnvoyee.annonce_id == annonce.id)
                )
                en_file = queue.count - 1
                if en_file != lots:
                    raise RuntimeError(f"{lots} lots planifiés mais {en_file} tâches en file.")
            finally:
                redis.flushdb()
                _supprimer(annonce.id)
    durees.sort()
    return {
        "intervenants": total,
        "part_ciblee": round(part, 3),
        "alertes": alertes,
        "lots": lots,
        "durees_ms": [round(d) for d in durees],
    }
