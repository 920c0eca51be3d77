"""Parallel and side-by-side runs (issue 39).

PostgreSQL: under pytest-xdist the controller fills the database named by
TEST_DATABASE_URL once (schema, roles, referentials: ``preparer_schema``) and
each worker runs on its own copy, ``CREATE DATABASE <base>_gw0 TEMPLATE <base>``,
dropped at its end. Without xdist the run uses TEST_DATABASE_URL itself, as before.

Redis: each process that runs tests takes one database among the
TEST_REDIS_DBS (default: one per worker) that follow TEST_REDIS_URL's, and
holds it with a lock file for its whole run: the tests empty their database
(``flushdb``), so two workers, or two runs on one machine, must never share
one. No free database: the run stops at once and says so.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

#: "gw0", "gw1"… in an xdist worker, None otherwise.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_etat: dict = {}


def _controleur_xdist(config) -> bool:
    """The process that hands tests to xdist workers (and runs none)."""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def configurer(config) -> None:
    import config as reglages  # the project's config.py: TestingConfig read its URLs at import

    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        if WORKER:
            copie = _copier_modele(url, WORKER)
            _etat["copie"], _etat["modele"] = copie, _nom(url)
            os.environ["TEST_DATABASE_URL"] = copie  # tests/infra/test_migrations.py and subprocesses
            reglages.TestingConfig.SQLALCHEMY_DATABASE_URI = copie
        elif _controleur_xdist(config):
            _remplir_modele(url)
    redis = os.environ.get("TEST_REDIS_URL")
    if redis and not _controleur_xdist(config):
        propre = _reserver_redis(redis)
        os.environ["TEST_REDIS_URL"] = propre
        reglages.TestingConfig.REDIS_URL = propre


def copie_du_modele() -> bool:
    """This worker runs on a copy of the template: schema and referentials are there."""
    return "copie" in _etat


def liberer(config) -> None:
    if copie := _etat.pop("copie", None):
        _admin(copie, f'DROP DATABASE IF EXISTS "{_nom(copie)}" WITH (FORCE)')
    if verrou := _etat.pop("verrou_redis", None):
        verrou.close()  # releases the lock


def _nom(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database


def _admin(url: str, *instructions: str) -> None:
    """Run statements on the server's ``postgres`` database (never on the
    template: a connection to it would stop workers from copying it)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    moteur = sa.create_engine(
        make_url(url).set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with moteur.connect() as connexion:
            for instruction in instructions:
                connexion.exec_driver_sql(instruction)
    finally:
        moteur.dispose()


def _remplir_modele(url: str) -> None:
    """The template every worker copies: filled once, by the controller."""
    from app import create_app
    from app.extensions import db
    from tests.conftest import preparer_schema

    with tempfile.TemporaryDirectory() as dossier:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_FOLDER=dossier, MAIL_FILE_DIR=dossier)
        with app.app_context():
            preparer_schema()
            db.engine.dispose()  # no connection may remain on a template being copied


def _copier_modele(url: str, worker: str) -> str:
    from sqlalchemy.engine import make_url

    modele = _nom(url)
    copie = f"{modele}_{worker}"
    _creer(url, copie, modele)
    return make_url(url).set(database=copie).render_as_string(hide_password=False)


def _creer(url: str, nom: str, modele: str | None) -> None:
    """(Re)create the database ``nom``, a copy of ``modele`` if given."""
    import sqlalchemy as sa

    _admin(url, f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
    for essai in range(60):
        try:
            _admin(url, f'CREATE DATABASE "{nom}"' + (f' TEMPLATE "{modele}"' if modele else ""))
            return
        except sa.exc.DBAPIError as exc:  # the other worker's copy, or the controller's last connection
            if "being accessed by other users" not in str(exc) or essai == 59:
                raise
            time.sleep(0.5)


def creer_base_demo(url: str) -> tuple[str, bool]:
    """A database for the demo data beside this process's one: a copy of the
    template when there is one (schema and referentials already in it)."""
    from sqlalchemy.engine import make_url

    nom = f"{_nom(url)}_demo"
    modele = _etat.get("modele")
    _creer(url, nom, modele)
    return make_url(url).set(database=nom).render_as_string(hide_password=False), modele is not None


def supprimer_base(url: str) -> None:
    _admin(url, f'DROP DATABASE IF EXISTS "{_nom(url)}" WITH (FORCE)')


def _reserver_redis(url: str) -> str:
    parties = urlsplit(url)
    premiere = int(parties.path.strip("/") or 0)
    nombre = int(os.environ.get("TEST_REDIS_DBS") or os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    rang = int(WORKER[2:]) if WORKER else 0
    bases = [premiere + (rang + i) % nombre for i in range(nombre)]
    for base in bases:
        chemin = Path(tempfile.gettempdir()) / f"espace-intervenants-redis-{parties.hostname}-{parties.port}-{base}.lock"
        verrou = chemin.open("w")
        try:
            fcntl.flock(verrou, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            verrou.close()
            continue
        verrou.write(f"{os.getpid()}\n")
        verrou.flush()
        _etat["verrou_redis"] = verrou
        return urlunsplit(parties._replace(path=f"/{base}"))
    raise pytest.UsageError(
        f"Aucune base Redis libre parmi {bases} ({url}) : une autre série de tests les occupe. "
        "Donner une autre TEST_REDIS_URL, ou plus de bases avec TEST_REDIS_DBS."
    )
