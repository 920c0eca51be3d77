"""Support requests « Aide et contact » (manual §6, issue 22).

A request is written when the form is sent; an anonymous one waits in
« à confirmer » until its e-mail link is followed (only the link's SHA-256 is
stored, as for ``JetonCompte``), then goes to the structure chosen or, for the
national types, to « Administrateur national » (``structure_id`` NULL).
Its state changes only through ``app.workflows.support``; the exchanges
between the handler and the requester are ``MessageSupport`` rows.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.models.base import state_column, utcnow
from app.models.referentiels import Structure, TypeDemandeSupport

DESCRIPTIF_MAX = 2000
#: The label of the national recipient (``structure_id`` NULL).
ADMINISTRATEUR_NATIONAL = "Administrateur national"


class EtatDemandeSupport(enum.StrEnum):
    a_confirmer = "a_confirmer"
    nouvelle = "nouvelle"
    complement_demande = "complement_demande"
    cloturee = "cloturee"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_SUPPORT[self]


LIBELLES_ETAT_SUPPORT = {
    EtatDemandeSupport.a_confirmer: "À confirmer",
    EtatDemandeSupport.nouvelle: "À traiter",
    EtatDemandeSupport.complement_demande: "Complément demandé",
    EtatDemandeSupport.cloturee: "Clôturée",
}


class DemandeSupport(Model):
    __tablename__ = "demande_support"
    id = sa.Column(sa.Integer, primary_key=True)
    #: Ten digits: year, month, day (AAMMJJ) then a four-digit sequence of the day.
    numero = sa.Column(sa.String(10), nullable=False, unique=True)
    type_id = sa.Column(sa.Integer, sa.ForeignKey("type_demande_support.id"), nullable=False)
    #: NULL: addressed to « Administrateur national ».
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"))
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    nom = sa.Column(sa.String(100), nullable=False)
    prenom = sa.Column(sa.String(100), nullable=False)
    email = sa.Column(sa.String(254), nullable=False)
    sujet = sa.Column(sa.String(150), nullable=False)
    descriptif = sa.Column(sa.Text, nullable=False)
    etat = state_column(EtatDemandeSupport, name="etat_demande_support", index=False)
    cree_le = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: Transmission date (confirmation of an anonymous request, creation otherwise).
    transmise_le = sa.Column(sa.DateTime)
    date_complement_demande = sa.Column(sa.DateTime)
    #: SHA-256 of the confirmation link's token (anonymous requests), until used.
    jeton_hash = sa.Column(sa.String(64), unique=True)
    jeton_expire_le = sa.Column(sa.DateTime)

    type = relationship(TypeDemandeSupport)
    structure = relationship(Structure)
    user = relationship(User, foreign_keys=[user_id])
    messages = relationship("MessageSupport", back_populates="demande", order_by="MessageSupport.id",
                            cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        # The queues and the badge: a structure's requests in a state, newest first.
        sa.Index("ix_demande_support_structure_etat", "structure_id", "etat", "transmise_le"),
        sa.Index("ix_demande_support_etat_cree_le", "etat", "cree_le"),
    )

    @property
    def destinataire(self) -> str:
        return self.structure.nom if self.structure_id else ADMINISTRATEUR_NATIONAL


class MessageSupport(Model):
    """One message of a request's thread (the handler's answer or the
    requester's reply)."""

    __tablename__ = "message_support"
    id = sa.Column(sa.Integer, primary_key=True)
    demande_id = sa.Column(sa.Integer, sa.ForeignKey("demande_support.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    auteur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    #: True: written by the handler (CNFPT), False: by the requester.
    du_cnfpt = sa.Column(sa.Boolean, nullable=False)
    texte = sa.Column(sa.Text, nullable=False)
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: The optional attachment (« Pièce jointe »), a sensitive file read by the
    #: request's handlers and its requester only (``app.operations.support.piece_lisible_par``).
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id", ondelete="SET NULL"), unique=True)

    demande = relationship(DemandeSupport, back_populates="messages")
    #: Joined: the thread shows each message's attachment without a query per message.
    fichier = relationship("Fichier", lazy="joined")
