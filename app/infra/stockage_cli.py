"""``flask stockage migrer``: copy every stored file from the local folder to
the S3-compatible storage (issue 38, point 5).

The bytes are copied as stored (sensitive files stay encrypted: the key never
travels), each copy is read back and its SHA-256 compared with the local
one; a file whose content is described by a ``fichier`` row is also
decrypted from S3 and checked against the row's hash of the original.
Resumable: a file already on S3 with the same hash is skipped, so a run cut
short is simply started again. Exit status 1 when any file failed.

Order of a switch: ``flask stockage migrer`` (nodes still on local),
``STORAGE_BACKEND=s3`` on every node, ``flask stockage migrer`` again
(files uploaded meanwhile), then the local folder can be archived.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.infra.storage import FileStorage, LocalFileStorage, S3FileStorage
from app.models.fichiers import Fichier

log = logging.getLogger(__name__)


@dataclass
class Bilan:
    copies: int = 0
    deja_presents: int = 0
    erreurs: list[tuple[str, str]] = field(default_factory=list)


def copier(source: FileStorage, destination: FileStorage, hashes_originaux: dict[str, str] | None = None,
           echo=lambda _ligne: None) -> Bilan:
    """Copy every key of ``source`` missing (or different) in ``destination``
    and check it there; ``hashes_originaux``: key → SHA-256 of the original
    content (``fichier.sha256``), checked after decryption."""
    bilan = Bilan()
    hashes_originaux = hashes_originaux or {}
    for cle in source.cles():
        try:
            brut = source.lire_brut(cle)
            empreinte = hashlib.sha256(brut).hexdigest()
            if destination.empreinte_brute(cle) == empreinte:
                bilan.deja_presents += 1
                continue
            destination.ecrire_brut(cle, brut)
            relu = destination.lire_brut(cle)
            if hashlib.sha256(relu).hexdigest() != empreinte:
                raise ValueError("empreinte différente après copie")
            attendu = hashes_originaux.get(cle)
            if attendu and hashlib.sha256(destination.open(cle)).hexdigest() != attendu:
                raise ValueError("contenu déchiffré différent de l'empreinte enregistrée")
            bilan.copies += 1
        except Exception as exc:  # noqa: BLE001 - one file's failure is reported, the others go on
            log.error("Copie de %s en échec : %s", cle, exc)
            bilan.erreurs.append((cle, str(exc)))
            echo(f"ÉCHEC {cle} : {exc}")
    return bilan


def hashes_des_fichiers() -> dict[str, str]:
    return dict(db.session.execute(select(Fichier.storage_key, Fichier.sha256)).all())


@click.group("stockage", help="Stockage des fichiers (local, S3).")
def stockage_cli() -> None:
    pass


@stockage_cli.command("migrer")
@with_appcontext
def migrer() -> None:
    """Copier les fichiers du dossier local (UPLOAD_FOLDER) vers le stockage S3
    (réglages S3_*), en vérifiant chaque empreinte ; reprend là où il s'est arrêté."""
    app = current_app._get_current_object()
    if not app.config.get("S3_BUCKET"):
        raise click.ClickException("S3_BUCKET (et S3_ENDPOINT_URL, S3_REGION, clés) manquant : aucune destination.")
    source = LocalFileStorage.from_config(app)
    destination = S3FileStorage.from_config(app)
    bilan = copier(source, destination, hashes_des_fichiers(), echo=click.echo)
    click.echo(f"Copiés : {bilan.copies} ; déjà présents : {bilan.deja_presents} ; échecs : {len(bilan.erreurs)}.")
    if bilan.erreurs:
        raise SystemExit(1)
