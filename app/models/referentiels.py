"""Referential tables loaded from ``app/data/refdata/*.csv``.

Codes are strings (leading zeros kept). Every referential has a ``code`` natural
key so that loading the same CSV twice updates rows instead of duplicating them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

structure_region = sa.Table(
    "structure_region",
    Model.metadata,
    sa.Column("structure_id", sa.Integer, sa.ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.Integer, sa.ForeignKey("region.id", ondelete="CASCADE"), primary_key=True),
)


class Region(Model):
    __tablename__ = "region"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(3), nullable=False, unique=True)
    nom = sa.Column(sa.String(100), nullable=False)
    chef_lieu_commune = sa.Column(sa.String(5))
    outre_mer = sa.Column(sa.Boolean, nullable=False, default=False)

    departements = relationship("Departement", back_populates="region", order_by="Departement.code")

    def __str__(self) -> str:
        return self.nom


class Departement(Model):
    __tablename__ = "departement"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(3), nullable=False, unique=True)
    nom = sa.Column(sa.String(100), nullable=False)
    region_id = sa.Column(sa.Integer, sa.ForeignKey("region.id"), nullable=False, index=True)
    chef_lieu_commune = sa.Column(sa.String(5))

    region = relationship(Region, back_populates="departements")

    def __str__(self) -> str:
        return f"{self.code} - {self.nom}"


class Structure(Model):
    """A CNFPT structure (délégation, espace de coopération, institut, siège)."""

    __tablename__ = "structure"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(20), nullable=False, unique=True)
    nom = sa.Column(sa.String(150), nullable=False)
    type = sa.Column(sa.String(40), nullable=False)
    nationale = sa.Column(sa.Boolean, nullable=False, default=False)
    messagerie_active = sa.Column(sa.Boolean, nullable=False, default=True)

    regions = relationship(Region, secondary=structure_region, order_by=Region.nom)

    def __str__(self) -> str:
        return self.nom
