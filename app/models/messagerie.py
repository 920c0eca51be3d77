"""Messagerie interne (issue 21): one ``message`` row, one row per recipient.

Why two tables: each recipient reads and archives their own copy (« archiver »
deletes for oneself only); the sender archives theirs on the message row.
A draft is a message with ``brouillon`` true (its recipients are rows too,
none of them sees it until it is sent). Indexes follow the mailbox queries:
the inbox by (recipient, received, archived, date), its unread badge by
(recipient, received, archived, read), the sent and
drafts lists by (sender, draft, archived, date).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import utcnow

#: Limits of the form fields (the columns' sizes).
OBJET_MAX = 200
TEXTE_MAX = 10_000


class Message(Model):
    __tablename__ = "message"
    __table_args__ = (
        sa.Index("ix_message_expediteur_boite", "expediteur_id", "brouillon", "archive_expediteur", "date"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    expediteur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    objet = sa.Column(sa.String(OBJET_MAX), nullable=False)
    texte = sa.Column(sa.Text, nullable=False)
    brouillon = sa.Column(sa.Boolean, nullable=False, default=True)
    #: Last saved (draft) or sent.
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    archive_expediteur = sa.Column(sa.Boolean, nullable=False, default=False)
    #: The message this one answers (reply) or forwards, if any.
    origine_id = sa.Column(sa.Integer, sa.ForeignKey("message.id", ondelete="SET NULL"))
    #: The recipients' names at sending (the sent list shows them without a join per row).
    destinataires_libelle = sa.Column(sa.String(1000), nullable=False, default="")

    destinataires = relationship("DestinataireMessage", back_populates="message", cascade="all, delete-orphan",
                                 order_by="DestinataireMessage.id")


class DestinataireMessage(Model):
    __tablename__ = "destinataire_message"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "destinataire_id"),
        sa.Index("ix_destinataire_message_boite", "destinataire_id", "recu", "archive", "date"),
        sa.Index("ix_destinataire_message_non_lus", "destinataire_id", "recu", "archive", "lu"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    message_id = sa.Column(sa.Integer, sa.ForeignKey("message.id", ondelete="CASCADE"), nullable=False)
    destinataire_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    #: Copied from the message when sent: the inbox sorts and filters on it without the join.
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: Visible in the recipient's inbox (false while the message is a draft).
    recu = sa.Column(sa.Boolean, nullable=False, default=False)
    lu = sa.Column(sa.Boolean, nullable=False, default=False)
    archive = sa.Column(sa.Boolean, nullable=False, default=False)

    message = relationship(Message, back_populates="destinataires")
