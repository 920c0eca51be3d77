"""Indisponibilités (issue 23, point 4; manual « Mon compte »: « la possibilité
d'indiquer vos indisponibilités »): periods, whole days from ``du`` to ``au``
included, when the intervenant cannot be asked to train.

The CV-thèque's « Disponible entre le … et le … » keeps the profiles with no
period overlapping the one asked for (``disponible_entre``): a NOT EXISTS
answered per profile by the index ``(intervenant_id, du, au)``, read alone
(no table row). Two periods overlap when each starts on or before the
other's last day (both ends included): 1–5 and 5–9 overlap (the 5th),
1–5 and 6–9 only touch.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import backref, relationship

from app.extensions import db
from app.models.base import TimestampMixin
from app.models.comptes import Intervenant

MOTIF_MAX = 255


class Indisponibilite(TimestampMixin, Model):
    __tablename__ = "indisponibilite"
    id = sa.Column(sa.Integer, primary_key=True)
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False)
    du = sa.Column(sa.Date, nullable=False)
    au = sa.Column(sa.Date, nullable=False)
    motif = sa.Column(sa.String(MOTIF_MAX))

    intervenant = relationship(
        Intervenant,
        backref=backref("indisponibilites", cascade="all, delete-orphan", passive_deletes=True,
                        order_by="Indisponibilite.du"),
    )

    __table_args__ = (
        sa.CheckConstraint("au >= du", name="periode"),
        # The owner's list and the CV-thèque's NOT EXISTS: both ends in the
        # index, the overlap test never reads the table.
        sa.Index("ix_indisponibilite_intervenant_periode", "intervenant_id", "du", "au"),
    )


def chevauche(du: date, au: date):
    """The periods overlapping [du, au] (both ends included)."""
    return sa.and_(Indisponibilite.du <= au, Indisponibilite.au >= du)


def disponible_entre(du: date, au: date, par_profil: bool = False):
    """WHERE clause on ``intervenant``: no declared unavailability overlaps [du, au].

    ``par_profil`` (PostgreSQL): the test stays a probe of the index per
    profile (a subplan: ``OFFSET 0`` keeps the planner from turning the NOT
    EXISTS into an anti-join). As an anti-join, the CV-thèque's walk in the
    order of its sort index (planned for every row, its text checked apart)
    became a hash of the periods, all the validated profiles read and sorted:
    65 ms instead of 1 for a page of free text at 20,000 profiles."""
    periodes = sa.select(sa.literal(1)).where(Indisponibilite.intervenant_id == Intervenant.id, chevauche(du, au))
    if par_profil:
        periodes = periodes.offset(0)
    return ~sa.exists(periodes)


def periode_en_conflit(intervenant_id: int, du: date, au: date, sauf: int | None = None) -> Indisponibilite | None:
    """The intervenant's own period overlapping [du, au] (other than ``sauf``),
    if any: two declarations of the same days would be one too many."""
    requete = sa.select(Indisponibilite).where(Indisponibilite.intervenant_id == intervenant_id, chevauche(du, au))
    if sauf is not None:
        requete = requete.where(Indisponibilite.id != sauf)
    return db.session.scalars(requete.order_by(Indisponibilite.du).limit(1)).first()
