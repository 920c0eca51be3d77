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
from app.models.referentiels import Departement, Region, SousSpecialite, Specialite, Structure


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


def _association(name: str, target: str) -> sa.Table:
    """Intervenant ↔ referential link table, indexed both ways (CV-thèque and
    alert matching query it from the referential side)."""
    return sa.Table(
        f"intervenant_{name}",
        Model.metadata,
        sa.Column("intervenant_id", sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(f"{target}_id", sa.Integer, sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
        sa.Index(f"ix_intervenant_{name}_{target}", f"{target}_id", "intervenant_id"),
    )


#: Zone d'intervention (page 1) and spécialités (page 2, Parcours).
intervenant_region = _association("region", "region")
intervenant_departement = _association("departement", "departement")
intervenant_specialite = _association("specialite", "specialite")
intervenant_sous_specialite = _association("sous_specialite", "sous_specialite")


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

    # Alertes e-mail (manual §8): the first two add up (OR), the third is
    # restrictive (spécialités AND régions).
    alerte_specialites = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    alerte_regions = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    alerte_specialites_et_regions = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())

    user = relationship(User, foreign_keys=[user_id])
    structure = relationship(Structure)
    regions = relationship(Region, secondary=intervenant_region, order_by=Region.nom)
    departements = relationship(Departement, secondary=intervenant_departement, order_by=Departement.code)
    specialites = relationship(Specialite, secondary=intervenant_specialite, order_by=Specialite.code)
    sous_specialites = relationship(SousSpecialite, secondary=intervenant_sous_specialite, order_by=SousSpecialite.code)

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
