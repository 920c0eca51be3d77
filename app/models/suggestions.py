"""Suggestions between annonces and intervenants (issue 37): the invitations
to apply a gestionnaire sent, and the weekly « Annonces pour vous » e-mails.

``InvitationAnnonce`` is both the rule and the trace: one row per (annonce,
intervenant), ever (the unique key), recording who invited, when and the
messagerie message sent; the message and the e-mail are written in the same
transaction as the row, so however many clicks arrive, one of each leaves.
Its date also feeds the ranking (the least recently invited come first among
equals). ``EnvoiAnnoncesPourVous``: one row per intervenant and ISO week,
the weekly e-mail's guard against duplicates.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.models.annonces import Annonce
from app.models.base import utcnow
from app.models.comptes import Intervenant


class InvitationAnnonce(Model):
    """« Inviter à candidater »: a gestionnaire invited this intervenant to this annonce."""

    __tablename__ = "invitation_annonce"
    id = sa.Column(sa.Integer, primary_key=True)
    annonce_id = sa.Column(sa.Integer, sa.ForeignKey("annonce.id", ondelete="CASCADE"), nullable=False)
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False)
    invite_par_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: The messagerie message sent with the invitation.
    message_id = sa.Column(sa.Integer, sa.ForeignKey("message.id", ondelete="SET NULL"))

    annonce = relationship(Annonce)
    intervenant = relationship(Intervenant)
    invite_par = relationship(User, foreign_keys=[invite_par_id])

    __table_args__ = (
        sa.UniqueConstraint("annonce_id", "intervenant_id", name="uq_invitation_annonce_intervenant"),
        # The ranking's « least recently invited » and the trainer's banners.
        sa.Index("ix_invitation_annonce_intervenant_date", "intervenant_id", "created_at"),
    )


class EnvoiAnnoncesPourVous(Model):
    """The weekly « Annonces pour vous » e-mail written for this intervenant and week."""

    __tablename__ = "envoi_annonces_pour_vous"
    id = sa.Column(sa.Integer, primary_key=True)
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False)
    #: ISO week, « 2026-W50 ».
    semaine = sa.Column(sa.String(8), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    nombre_annonces = sa.Column(sa.Integer, nullable=False, default=0)

    __table_args__ = (sa.UniqueConstraint("intervenant_id", "semaine", name="uq_envoi_annonces_pour_vous_semaine"),)
