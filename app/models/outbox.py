"""Outbox of e-mails (transactional outbox pattern).

An e-mail is first a row written in the same transaction as the change that
causes it, so a rolled-back change sends nothing and a committed one cannot be
lost when Redis or SMTP is down. ``app.infra.mail`` dispatches the rows after commit
and records every attempt on the row.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_appbuilder import Model

from app.infra.crypto import EncryptedString
from app.models.base import state_column, utcnow


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"

    @property
    def libelle(self) -> str:
        return LIBELLES_OUTBOX_STATUS[self]


LIBELLES_OUTBOX_STATUS = {
    OutboxStatus.pending: "En attente",
    OutboxStatus.sending: "En cours d'envoi",
    OutboxStatus.sent: "Envoyé",
    OutboxStatus.failed: "Échec",
}


class OutboxMessage(Model):
    """One e-mail to send; ``status`` and the attempt columns tell where it is."""

    __tablename__ = "outbox_message"
    id = sa.Column(sa.Integer, primary_key=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    recipients = sa.Column(sa.String(1000), nullable=False)  # comma-separated addresses
    subject = sa.Column(sa.String(255), nullable=False)
    body_text = sa.Column(sa.Text, nullable=False)
    body_html = sa.Column(sa.Text, nullable=False)
    template = sa.Column(sa.String(100), nullable=False)
    message_id = sa.Column(sa.String(255), nullable=False, unique=True)  # Message-ID header, stable across retries
    status = state_column(OutboxStatus, name="outbox_status", default=OutboxStatus.pending, index=False)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.Text)
    next_attempt_at = sa.Column(sa.DateTime)
    sent_at = sa.Column(sa.DateTime)
    #: The secrets of the e-mail (token links, provisional password) as JSON
    #: {mark in the bodies: value}, Fernet-encrypted, dropped once sent: the
    #: stored bodies hold only the marks (app.infra.mail.Secret, issue 19).
    secrets_chiffres = sa.Column(EncryptedString)

    __table_args__ = (
        # The re-dispatch query: rows of a status whose next attempt is due.
        sa.Index("ix_outbox_message_status_next_attempt", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    @property
    def recipient_list(self) -> list[str]:
        return [address.strip() for address in self.recipients.split(",") if address.strip()]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipients}"
