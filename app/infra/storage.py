"""File storage behind one small interface.

Files live outside any static folder under random names (the user's file name
is metadata in the database, never a path). Sensitive files (identity scans,
RIB...) are encrypted at rest with Fernet, key ``ENCRYPTION_KEY``; the storage
key says whether a file is encrypted, so reading needs no extra information.
The local backend is the only one today; ``get_storage`` picks the backend
from ``STORAGE_BACKEND`` so that an S3-compatible one can be added without
touching callers (web nodes then stay stateless).
"""

from __future__ import annotations

import abc
import os
import re
import uuid
from pathlib import Path
from typing import BinaryIO

from cryptography.fernet import Fernet, MultiFernet
from flask import Flask, current_app

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
        from app.models.crypto import fernet_de

        return cls(app.config["UPLOAD_FOLDER"], fernet_de(app.config))

    def rechiffrer(self, key: str) -> None:
        """Rewrite an encrypted file under the current key (key rotation)."""
        if not key.endswith(ENCRYPTED_SUFFIX) or not isinstance(self._fernet, MultiFernet):
            return
        path = self.path_of(key)
        _ecrire_atomique(path, self._fernet.rotate(path.read_bytes()))

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


#: Backend name (config ``STORAGE_BACKEND``) → constructor taking the app.
BACKENDS = {
    "local": LocalFileStorage.from_config,
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
