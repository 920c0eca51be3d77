"""Encrypted columns and masking, for NIR, IBAN and the like.

The key is the application's ``ENCRYPTION_KEY`` (from the environment), read
when a value is written or loaded, so a database dump alone reveals nothing.
Fernet is randomised: the same value never gives the same ciphertext, hence an
encrypted column cannot be searched or made unique with SQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


def fernet_de(config) -> MultiFernet:
    """Encrypts with ``ENCRYPTION_KEY``; decrypts with it or one of
    ``ENCRYPTION_KEYS_PRECEDENTES`` (key rotation)."""
    anciennes = [k.strip() for k in (config.get("ENCRYPTION_KEYS_PRECEDENTES") or "").split(",") if k.strip()]
    return MultiFernet([Fernet(config["ENCRYPTION_KEY"]), *(Fernet(k) for k in anciennes)])


def _fernet() -> MultiFernet:
    return fernet_de(current_app.config)


class EncryptedString(sa.types.TypeDecorator):
    """A string stored as Fernet ciphertext (text), returned as plaintext."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("EncryptedString attend une chaîne de caractères")
        return _fernet().encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return _fernet().decrypt(value.encode("ascii")).decode("utf-8")


def mask(value: str | None, visible: int = 4) -> str:
    """Hide all but the last ``visible`` characters, grouped by four from the
    right as IBANs are written: ``mask("FR7630006000011234567890189")`` →
    ``"*** **** **** **** **** **** 0189"``. Spaces in the value are ignored;
    a value no longer than ``visible`` is hidden entirely."""
    if not value:
        return ""
    compact = "".join(value.split())
    shown = compact[-visible:] if 0 < visible < len(compact) else ""
    masked = "*" * (len(compact) - len(shown)) + shown
    groups = []
    while masked:
        groups.insert(0, masked[-4:])
        masked = masked[:-4]
    return " ".join(groups)
