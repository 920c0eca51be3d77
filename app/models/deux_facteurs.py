"""Second factor of sign-in (issue 28): an authenticator application's
secret (RFC 6238 TOTP) and single-use recovery codes.

The secret is encrypted at rest (``EncryptedString``: a database dump alone
gives no codes); recovery codes are stored as SHA-256 digests only (random,
60 bits: the digest cannot be reversed).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model

from app.infra.crypto import EncryptedString
from app.models import base


class SecondFacteur(Model):
    """One account's authenticator. ``secret``: the confirmed one (None: no
    second factor). ``secret_en_attente``: an enrolment not yet confirmed by
    a first code (a new device replaces the old one only once confirmed).
    ``dernier_pas``: the TOTP time step of the last accepted code — a code
    of that step or an earlier one is refused (no replay in its window)."""

    __tablename__ = "second_facteur"
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    secret = sa.Column(EncryptedString)
    secret_en_attente = sa.Column(EncryptedString)
    dernier_pas = sa.Column(sa.BigInteger)
    confirme_le = sa.Column(sa.DateTime)
    cree_le = sa.Column(sa.DateTime, nullable=False, default=lambda: base.utcnow())


class CodeSecours(Model):
    """A recovery code (digest), used once (``utilise_le``)."""

    __tablename__ = "code_secours"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash = sa.Column(sa.String(64), nullable=False)
    cree_le = sa.Column(sa.DateTime, nullable=False, default=lambda: base.utcnow())
    utilise_le = sa.Column(sa.DateTime)

    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)
