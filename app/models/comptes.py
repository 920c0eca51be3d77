"""Domain accounts, kept apart from FAB's login user (``ab_user``).

A login user is who signs in; an ``Intervenant`` is the trainer's profile and a
``Gestionnaire`` links a staff user to the structure whose rows they may handle.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.models.base import TimestampMixin, state_column
from app.models.referentiels import Structure


class EtatInscription(enum.StrEnum):
    brouillon = "brouillon"
    transmise = "transmise"
    validee = "validee"
    rejetee = "rejetee"
    complement_demande = "complement_demande"
    archivee = "archivee"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_INSCRIPTION[self]


LIBELLES_ETAT_INSCRIPTION = {
    EtatInscription.brouillon: "Brouillon",
    EtatInscription.transmise: "Transmise",
    EtatInscription.validee: "Validée",
    EtatInscription.rejetee: "Rejetée",
    EtatInscription.complement_demande: "Complément demandé",
    EtatInscription.archivee: "Archivée",
}


class Intervenant(TimestampMixin, Model):
    """The trainer's profile (CV); one per login user."""

    __tablename__ = "intervenant"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, unique=True)
    civilite = sa.Column(sa.String(5), nullable=False)
    nom_naissance = sa.Column(sa.String(100), nullable=False)
    nom_usage = sa.Column(sa.String(100), nullable=False)
    prenom = sa.Column(sa.String(100), nullable=False)
    date_naissance = sa.Column(sa.Date, nullable=False)
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), index=True)
    etat_inscription = state_column(EtatInscription, name="etat_inscription", default=EtatInscription.brouillon)
    date_transmission = sa.Column(sa.DateTime)
    date_premiere_analyse = sa.Column(sa.DateTime)
    immatriculation = sa.Column(sa.String(20), unique=True)

    user = relationship(User, foreign_keys=[user_id])
    structure = relationship(Structure)

    __table_args__ = (
        sa.Index("ix_intervenant_structure_etat", "structure_id", "etat_inscription", "date_transmission"),
    )

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom_usage}"

    def __str__(self) -> str:
        return self.nom_complet


class Gestionnaire(TimestampMixin, Model):
    """Links a staff login user to the one structure they work for."""

    __tablename__ = "gestionnaire"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, unique=True)
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), nullable=False, index=True)

    user = relationship(User, foreign_keys=[user_id])
    structure = relationship(Structure)

    def __str__(self) -> str:
        return f"{self.user.first_name} {self.user.last_name} ({self.structure.code})"
