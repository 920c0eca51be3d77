"""Backups that restore (issue 38, point 6): ``flask sauvegarde creer`` and
``flask sauvegarde restaurer``.

A backup is a folder:

- ``base.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``base.sqlite``
  (the embedded run, SQLite's online backup);
- ``fichiers/``: every stored file's bytes as stored, so sensitive files stay
  encrypted (from the local folder or the S3 bucket alike);
- ``manifeste.json``: date, schema revision, rows per table, files and the
  dump's SHA-256, checked by the restore.

No key is in it: ``ENCRYPTION_KEY`` (and ``SECRET_KEY``) are kept apart, in
the secrets store; a restore needs the same ``ENCRYPTION_KEY`` to read the
files and the encrypted columns, and says so when it is not the one.

``restaurer`` fills an empty database (the current ``DATABASE_URL``) and
the configured storage, then compares the row counts with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump / pg_restore with fixed argument lists
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from app.extensions import db
from app.infra.crypto import fernet_de
from app.infra.stockage_cli import copier
from app.infra.storage import ENCRYPTED_SUFFIX, LocalFileStorage, get_storage

MANIFESTE = "manifeste.json"
DUMP_PG = "base.dump"
COPIE_SQLITE = "base.sqlite"
FICHIERS = "fichiers"


class SauvegardeError(RuntimeError):
    """A backup or a restore that cannot go on (message for the operator)."""


def _libpq(url: str) -> tuple[list[str], dict]:
    """pg_dump/pg_restore arguments and environment for ``url``: the
    password goes through PGPASSWORD, never on the command line."""
    u = make_url(url)
    args = [f"--dbname={u.database}"]
    if u.host:
        args.append(f"--host={u.host}")
    if u.port:
        args.append(f"--port={u.port}")
    if u.username:
        args.append(f"--username={u.username}")
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def _lancer(commande: list[str], env: dict) -> None:
    resultat = subprocess.run(commande, env=env, capture_output=True, text=True)  # noqa: S603
    if resultat.returncode != 0:
        raise SauvegardeError(f"{commande[0]} a échoué : {resultat.stderr.strip()[-2000:]}")


def comptes_des_tables() -> dict[str, int]:
    """Rows of every table of the schema (the manifest's check)."""
    inspecteur = sa.inspect(db.session.connection())
    return {
        table: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
        for table in sorted(inspecteur.get_table_names())
    }


def _revision() -> list[str]:
    try:
        return sorted(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except sa.exc.DBAPIError:
        db.session.rollback()
        return []


def _empreinte(chemin: Path) -> str:
    h = hashlib.sha256()
    with chemin.open("rb") as f:
        while bloc := f.read(1 << 20):
            h.update(bloc)
    return h.hexdigest()


def creer(app: Flask, dossier: Path, echo=lambda _ligne: None) -> dict:
    """Write a backup of the database and the files into ``dossier`` (new or empty)."""

    dossier = Path(dossier)
    if dossier.exists() and any(dossier.iterdir()):
        raise SauvegardeError(f"{dossier} n'est pas vide.")
    dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    comptes = comptes_des_tables()
    revision = _revision()
    db.session.rollback()
    if url.startswith("postgresql"):
        args, env = _libpq(url)
        dump = dossier / DUMP_PG
        _lancer(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", *args], env)
    elif url.startswith("sqlite:///"):
        dump = dossier / COPIE_SQLITE
        with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(dump) as copie:
            source.backup(copie)
    else:
        raise SauvegardeError(f"Base non prise en charge par la sauvegarde : {make_url(url).drivername}")
    echo(f"Base : {dump.name} ({sum(comptes.values())} lignes, {len(comptes)} tables).")
    bilan = copier(get_storage(app), LocalFileStorage(dossier / FICHIERS, fernet_de(app.config)), echo=echo)
    if bilan.erreurs:
        raise SauvegardeError(f"{len(bilan.erreurs)} fichier(s) non copié(s) : sauvegarde incomplète.")
    manifeste = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": revision,
        "base": dump.name,
        "empreinte_base": _empreinte(dump),
        "tables": comptes,
        "fichiers": bilan.copies + bilan.deja_presents,
    }
    (dossier / MANIFESTE).write_text(json.dumps(manifeste, indent=2, ensure_ascii=False) + "\n")
    echo(f"Fichiers : {manifeste['fichiers']}. Sauvegarde écrite dans {dossier} (sans les clés).")
    return manifeste


def restaurer(app: Flask, dossier: Path, echo=lambda _ligne: None) -> dict:
    """Restore the backup ``dossier`` into the (empty) configured database and storage."""

    dossier = Path(dossier)
    try:
        manifeste = json.loads((dossier / MANIFESTE).read_text())
    except FileNotFoundError:
        raise SauvegardeError(f"{dossier / MANIFESTE} absent : pas une sauvegarde complète.") from None
    dump = dossier / manifeste["base"]
    if _empreinte(dump) != manifeste["empreinte_base"]:
        raise SauvegardeError(f"{dump.name} ne correspond pas au manifeste (fichier altéré ou incomplet).")
    if sa.inspect(db.session.connection()).get_table_names():
        raise SauvegardeError("La base cible n'est pas vide : restaurer dans une base neuve.")
    db.session.rollback()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if manifeste["base"] == DUMP_PG:
        if not url.startswith("postgresql"):
            raise SauvegardeError("Sauvegarde PostgreSQL : la base cible doit être PostgreSQL.")
        db.session.remove()
        args, env = _libpq(url)
        _lancer(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, str(dump)], env)
    else:
        if not url.startswith("sqlite:///"):
            raise SauvegardeError("Sauvegarde SQLite : la base cible doit être un fichier SQLite.")
        db.session.remove()
        db.engine.dispose()
        shutil.copyfile(dump, url.removeprefix("sqlite:///"))
    db.engine.dispose()  # the schema changed under the pool
    echo(f"Base restaurée depuis {dump.name}.")
    source = LocalFileStorage(dossier / FICHIERS, fernet_de(app.config))
    _verifier_cle(source)
    bilan = copier(source, get_storage(app), echo=echo)
    if bilan.erreurs:
        raise SauvegardeError(f"{len(bilan.erreurs)} fichier(s) non restauré(s).")
    comptes = comptes_des_tables()
    ecarts = {t: (n, comptes.get(t)) for t, n in manifeste["tables"].items() if comptes.get(t) != n}
    if ecarts:
        raise SauvegardeError(f"Lignes différentes du manifeste : {ecarts}")
    echo(f"Fichiers : {bilan.copies + bilan.deja_presents}. Lignes conformes au manifeste "
         f"({sum(comptes.values())} dans {len(comptes)} tables).")
    return comptes


def _verifier_cle(source: LocalFileStorage) -> None:
    """The configured ENCRYPTION_KEY reads the backup's encrypted files."""
    from cryptography.fernet import InvalidToken

    cle = next((c for c in source.cles() if c.endswith(ENCRYPTED_SUFFIX)), None)
    if cle is None:
        return
    try:
        source.open(cle)
    except InvalidToken:
        raise SauvegardeError("ENCRYPTION_KEY ne déchiffre pas les fichiers de la sauvegarde : "
                              "donner la clé de la plateforme sauvegardée.") from None


# -- commands -----------------------------------------------------------------


@click.group("sauvegarde", help="Sauvegarde et restauration (base et fichiers, sans les clés).")
def sauvegarde_cli() -> None:
    pass


@sauvegarde_cli.command("creer")
@click.argument("dossier", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def creer_commande(dossier: Path) -> None:
    """Sauvegarder la base et les fichiers dans DOSSIER (neuf ou vide)."""
    try:
        creer(current_app._get_current_object(), dossier, echo=click.echo)
    except SauvegardeError as exc:
        raise click.ClickException(str(exc)) from None


@sauvegarde_cli.command("restaurer")
@click.argument("dossier", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restaurer_commande(dossier: Path) -> None:
    """Restaurer DOSSIER dans la base (vide) et le stockage configurés."""
    try:
        restaurer(current_app._get_current_object(), dossier, echo=click.echo)
    except SauvegardeError as exc:
        raise click.ClickException(str(exc)) from None
