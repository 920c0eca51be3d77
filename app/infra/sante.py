"""Health of a node, for load balancers and orchestrators (issue 38, point 1).

Two probes, both JSON, without authentication, personal data or secrets:

- ``vivant``: the process answers requests; touches nothing else, so a
  database outage never gets every node restarted;
- ``pret``: the node can serve: the database answers, its schema is at the
  migrations' head, Redis answers when ``REDIS_URL`` is set, the file storage
  accepts a write. A failed check says which one, never why (no host, no
  exception text: those stay in the logs).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import text

from app.extensions import db
from app.infra.storage import get_storage
from app.jobs import redis_connection

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


def tetes_des_migrations() -> set[str]:
    """The revisions at the head of ``migrations/`` (read once per process)."""
    tetes = current_app.extensions.get("sante_tetes")
    if tetes is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        tetes = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["sante_tetes"] = tetes
    return tetes


def _base() -> None:
    db.session.execute(text("SELECT 1"))


def _migrations() -> None:
    versions = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    if versions != tetes_des_migrations():
        raise RuntimeError(f"schéma en {sorted(versions)}, migrations en {sorted(tetes_des_migrations())}")


def _redis() -> None:
    redis_connection().ping()


def _stockage() -> None:
    get_storage().verifier_ecriture()


def verifications(app: Flask) -> dict:
    """Each check of readiness by name; Redis only when it is configured."""
    checks = {"base": _base, "migrations": _migrations}
    if app.config.get("REDIS_URL"):
        checks["redis"] = _redis
    checks["stockage"] = _stockage
    return checks


def etat_pret(app: Flask | None = None) -> tuple[bool, dict]:
    """Run every readiness check; (all passed, {name: {"ok", "duree_ms"}}).
    The database session is given back clean (rolled back) whatever happens."""
    app = app or current_app._get_current_object()
    resultats, tout_ok = {}, True
    for nom, verifier in verifications(app).items():
        debut = time.perf_counter()
        try:
            verifier()
            ok = True
        except Exception as exc:  # noqa: BLE001 - any failure makes the node not ready; logged
            ok = tout_ok = False
            log.warning("Sonde de disponibilité : « %s » en échec (%s: %s)", nom, type(exc).__name__, exc)
            if nom in ("base", "migrations"):
                db.session.rollback()
        resultats[nom] = {"ok": ok, "duree_ms": round((time.perf_counter() - debut) * 1000, 1)}
    db.session.rollback()
    return tout_ok, resultats
