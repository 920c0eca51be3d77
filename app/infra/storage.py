"""File storage behind one small interface.

Files live outside any static folder under random names (the user's file name
is metadata in the database, never a path). Sensitive files (identity scans,
RIB...) are encrypted at rest with Fernet, key ``ENCRYPTION_KEY``; the storage
key says whether a file is encrypted, so reading needs no extra information.
``get_storage`` picks the backend from ``STORAGE_BACKEND``: ``local`` (a
folder, the embedded default) or ``s3`` (any S3-compatible object storage,
boto3; settings ``S3_*``), so that web nodes stay stateless. Both store the
same bytes under the same keys: a file is encrypted before it leaves the
application, and ``flask stockage migrer`` (``app.infra.stockage_cli``)
copies them from one to the other unchanged.
"""

from __future__ import annotations

import abc
import errno
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.fernet import Fernet, MultiFernet
from flask import Flask, current_app

from app.infra.crypto import fernet_de

ENCRYPTED_SUFFIX = ".enc"
# "<2 hex shard>/<32 hex uuid>[.enc]": anything else is refused, so a key can
# never point outside the storage root.
_KEY_PATTERN = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}(?:\.enc)?")


class StorageKeyError(ValueError):
    """A storage key that this storage never produced."""


class FileStorage(abc.ABC):
    """Where uploaded files are kept; callers only ever hold the returned key."""

    @abc.abstractmethod
    def save(self, stream: BinaryIO | bytes, *, sensitive: bool) -> str:
        """Store the content under a new random key and return the key."""

    @abc.abstractmethod
    def open(self, key: str) -> bytes:
        """The original (decrypted) content stored under ``key``."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the content stored under ``key`` (no error if already gone)."""

    @abc.abstractmethod
    def verifier_ecriture(self) -> None:
        """Write then remove a probe (readiness, ``app.infra.sante``); raises if refused."""

    # Raw bytes, as stored (encrypted for sensitive files): copies and backups.
    @abc.abstractmethod
    def lire_brut(self, key: str) -> bytes:
        """The stored bytes under ``key`` (``FileNotFoundError`` if none)."""

    @abc.abstractmethod
    def ecrire_brut(self, key: str, data: bytes) -> None:
        """Store ``data`` as is under ``key`` (a copy from another storage)."""

    @abc.abstractmethod
    def cles(self) -> Iterator[str]:
        """Every key this storage holds."""

    def empreinte_brute(self, key: str) -> str | None:
        """SHA-256 of the stored bytes, None when absent (resumed copies)."""
        try:
            return hashlib.sha256(self.lire_brut(key)).hexdigest()
        except FileNotFoundError:
            return None

    def rechiffrer(self, key: str) -> None:
        """Rewrite an encrypted file under the current key (key rotation)."""
        if key.endswith(ENCRYPTED_SUFFIX) and isinstance(self._fernet, MultiFernet):
            self.ecrire_brut(key, self._fernet.rotate(self.lire_brut(key)))

    def flux(self, key: str, taille_bloc: int = 64 * 1024) -> Iterator[bytes]:
        """The original content in blocks, for a streamed download. A plain
        file is read block by block; an encrypted one is decrypted whole
        first (a Fernet token is authenticated as a whole) then sent in blocks."""
        if key.endswith(ENCRYPTED_SUFFIX):
            data = self.open(key)
            return (data[i:i + taille_bloc] for i in range(0, len(data), taille_bloc))
        return self._flux_brut(key, taille_bloc)

    def _flux_brut(self, key: str, taille_bloc: int) -> Iterator[bytes]:
        data = self.lire_brut(key)
        return (data[i:i + taille_bloc] for i in range(0, len(data), taille_bloc))


def new_key(*, sensitive: bool) -> str:
    """A random key, sharded on its first two hex digits to keep folders small."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}{ENCRYPTED_SUFFIX if sensitive else ''}"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
        raise StorageKeyError(f"Clé de stockage invalide : {key!r}")
    return key


def _read_all(stream: BinaryIO | bytes) -> bytes:
    if isinstance(stream, bytes | bytearray | memoryview):
        return bytes(stream)
    return stream.read()


class LocalFileStorage(FileStorage):
    """Files on the local disk (or a shared volume) under ``root``."""

    def __init__(self, root: str | os.PathLike, encryption_key: str | bytes | MultiFernet):
        self.root = Path(root).resolve()
        self._fernet = encryption_key if isinstance(encryption_key, MultiFernet) else Fernet(encryption_key)

    @classmethod
    def from_config(cls, app: Flask) -> LocalFileStorage:
        return cls(app.config["UPLOAD_FOLDER"], fernet_de(app.config))

    def path_of(self, key: str) -> Path:
        """The file behind ``key``; only valid keys resolve, always under root."""
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise StorageKeyError(f"Clé de stockage invalide : {key!r}")
        return path

    def save(self, stream: BinaryIO | bytes, *, sensitive: bool) -> str:
        data = _read_all(stream)
        if sensitive:
            data = self._fernet.encrypt(data)
        key = new_key(sensitive=sensitive)
        path = self.path_of(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _ecrire_atomique(path, data)
        return key

    def open(self, key: str) -> bytes:
        data = self.path_of(key).read_bytes()
        if key.endswith(ENCRYPTED_SUFFIX):
            return self._fernet.decrypt(data)
        return data

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def verifier_ecriture(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        sonde = self.root / f".sonde-{uuid.uuid4().hex}"
        try:
            _ecrire_atomique(sonde, b"sonde")
        finally:
            sonde.unlink(missing_ok=True)

    def lire_brut(self, key: str) -> bytes:
        return self.path_of(key).read_bytes()

    def ecrire_brut(self, key: str, data: bytes) -> None:
        path = self.path_of(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _ecrire_atomique(path, data)

    def cles(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for dossier in sorted(self.root.iterdir()):
            if dossier.is_dir():
                for chemin in sorted(dossier.iterdir()):
                    key = f"{dossier.name}/{chemin.name}"
                    if _KEY_PATTERN.fullmatch(key):
                        yield key

    def _flux_brut(self, key: str, taille_bloc: int) -> Iterator[bytes]:
        handle = self.path_of(key).open("rb")  # opened now: a missing file fails before the response starts

        def blocs():
            with handle:
                while bloc := handle.read(taille_bloc):
                    yield bloc

        return blocs()


class StockageS3Indisponible(OSError):
    """The object storage refused or did not answer (``enregistrer_contenu``
    turns an ``OSError`` into the form's « stockage indisponible »)."""


class S3FileStorage(FileStorage):
    """Files as objects of one bucket of an S3-compatible service (AWS S3,
    MinIO, Ceph RGW, Scaleway, OVH, Garage…), under ``prefixe`` + the key.

    The bytes sent are those the local backend writes: sensitive files are
    encrypted here, before they leave the application; the service never
    holds the key. The stored bytes' SHA-256 is kept in the object's
    metadata (``sha256``) so a copy can be checked and resumed cheaply.
    """

    def __init__(self, client, bucket: str, encryption_key: str | bytes | MultiFernet, prefixe: str = ""):
        self.client, self.bucket, self.prefixe = client, bucket, prefixe
        self._fernet = encryption_key if isinstance(encryption_key, MultiFernet) else Fernet(encryption_key)

    @classmethod
    def from_config(cls, app: Flask) -> S3FileStorage:
        """One client per process and settings (boto3 clients are thread-safe)."""

        reglages = tuple(app.config.get(nom) for nom in (
            "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_PREFIXE"))
        clients = app.extensions.setdefault("stockage_s3", {})
        if reglages not in clients:
            clients.clear()
            clients[reglages] = client_s3(app.config)
        if not app.config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 : S3_BUCKET manquant")
        return cls(clients[reglages], app.config["S3_BUCKET"], fernet_de(app.config), app.config.get("S3_PREFIXE") or "")

    def _objet(self, key: str) -> str:
        return self.prefixe + check_key(key)

    def _appel(self, operation, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return operation(Bucket=self.bucket, **params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(errno.ENOENT, "objet absent du stockage", params.get("Key")) from exc
            raise StockageS3Indisponible(errno.EIO, f"stockage S3 : {code}") from exc
        except BotoCoreError as exc:
            raise StockageS3Indisponible(errno.EIO, f"stockage S3 injoignable : {type(exc).__name__}") from exc

    def save(self, stream: BinaryIO | bytes, *, sensitive: bool) -> str:
        data = _read_all(stream)
        if sensitive:
            data = self._fernet.encrypt(data)
        key = new_key(sensitive=sensitive)
        self.ecrire_brut(key, data)
        return key

    def open(self, key: str) -> bytes:
        data = self.lire_brut(key)
        return self._fernet.decrypt(data) if key.endswith(ENCRYPTED_SUFFIX) else data

    def delete(self, key: str) -> None:
        self._appel(self.client.delete_object, Key=self._objet(key))

    def verifier_ecriture(self) -> None:
        sonde = f"{self.prefixe}.sonde/{uuid.uuid4().hex}"
        self._appel(self.client.put_object, Key=sonde, Body=b"sonde")
        self._appel(self.client.delete_object, Key=sonde)

    def lire_brut(self, key: str) -> bytes:
        return self._appel(self.client.get_object, Key=self._objet(key))["Body"].read()

    def ecrire_brut(self, key: str, data: bytes) -> None:
        self._appel(self.client.put_object, Key=self._objet(key), Body=data,
                    Metadata={"sha256": hashlib.sha256(data).hexdigest()})

    def empreinte_brute(self, key: str) -> str | None:
        """The hash recorded at the write (metadata), without downloading."""
        try:
            tete = self._appel(self.client.head_object, Key=self._objet(key))
        except FileNotFoundError:
            return None
        return tete.get("Metadata", {}).get("sha256") or super().empreinte_brute(key)

    def cles(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefixe)
        for page in pages:
            for objet in page.get("Contents", []):
                key = objet["Key"][len(self.prefixe):]
                if _KEY_PATTERN.fullmatch(key):
                    yield key

    def _flux_brut(self, key: str, taille_bloc: int) -> Iterator[bytes]:
        corps = self._appel(self.client.get_object, Key=self._objet(key))["Body"]
        return corps.iter_chunks(taille_bloc)


def client_s3(config):
    """A boto3 S3 client from the ``S3_*`` settings (path-style addressing
    by default: what MinIO and most self-hosted services expect)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or None,
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": config.get("S3_ADRESSAGE") or "path"},
            connect_timeout=config.get("S3_DELAI_CONNEXION", 5),
            read_timeout=config.get("S3_DELAI_LECTURE", 30),
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


#: Backend name (config ``STORAGE_BACKEND``) → constructor taking the app.
BACKENDS = {
    "local": LocalFileStorage.from_config,
    "s3": S3FileStorage.from_config,
}


def get_storage(app: Flask | None = None) -> FileStorage:
    """The storage configured for ``app`` (default: the current app)."""
    app = app or current_app
    backend = app.config.get("STORAGE_BACKEND", "local")
    try:
        factory = BACKENDS[backend]
    except KeyError:
        raise RuntimeError(
            f"Stockage de fichiers inconnu : {backend!r} (disponibles : {', '.join(BACKENDS)})"
        ) from None
    return factory(app)


def _ecrire_atomique(path: Path, data: bytes) -> None:
    """Write a temporary file then rename: readers never see a partial file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
