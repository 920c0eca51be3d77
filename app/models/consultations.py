"""Journal of the reads of personal data (issue 19, point 7).

Who read what, when and from where: CV-thèque profile pages and exports
here, file downloads in ``acces_fichier`` (app.models.fichiers). One insert
per read, in the request's transaction; readable by the national
administration in the console (Supervision).
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask import request
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_login import current_user
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.base import utcnow


class ObjetConsultation(enum.StrEnum):
    profil = "profil"
    export = "export"
    dossier = "dossier"
    nir = "nir"
    iban = "iban"
    donnees = "donnees"

    @property
    def libelle(self) -> str:
        return LIBELLES_OBJET_CONSULTATION[self]


LIBELLES_OBJET_CONSULTATION = {
    ObjetConsultation.profil: "Profil (CV-thèque)",
    ObjetConsultation.export: "Export de la CV-thèque",
    ObjetConsultation.dossier: "Dossier administratif",
    ObjetConsultation.nir: "NIR affiché (dossier administratif)",
    ObjetConsultation.iban: "IBAN affiché (dossier administratif)",
    ObjetConsultation.donnees: "Données personnelles (export d'un compte archivé)",
}


class Consultation(Model):
    """One read of personal data by a signed-in user."""

    __tablename__ = "consultation"
    id = sa.Column(sa.Integer, primary_key=True)
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    ip = sa.Column(sa.String(45))
    objet = sa.Column(sa.String(20), nullable=False)
    #: The profile read (None for an export, which reads many).
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="SET NULL"), index=True)
    #: What else identifies the read: an export's criteria and row count.
    detail = sa.Column(sa.String(1000))

    user = relationship(User, foreign_keys=[user_id])
    intervenant = relationship("Intervenant", foreign_keys=[intervenant_id])


def tracer(objet: ObjetConsultation, *, intervenant_id: int | None = None, detail: str | None = None) -> None:
    """Record that the signed-in user reads ``objet`` now (the caller commits)."""
    db.session.add(Consultation(
        user_id=current_user.id, ip=request.remote_addr, objet=objet.value,
        intervenant_id=intervenant_id, detail=detail[:1000] if detail else None,
    ))


class LecturesSensibles(Model):
    """One staff account's sensitive reads (NIR/IBAN shown, dossier pieces
    downloaded) on one day (Paris), counted by a single upsert so that two
    requests at once never both take the last one
    (``app.operations.dossier.consommer_lecture_sensible``); ``refus`` counts the reads
    refused past ``LECTURES_SENSIBLES_PAR_JOUR`` (the national
    administration is alerted at the first)."""

    __tablename__ = "lectures_sensibles"
    __table_args__ = (sa.UniqueConstraint("user_id", "jour", name="uq_lectures_sensibles_user_jour"),)
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    jour = sa.Column(sa.Date, nullable=False)
    nombre = sa.Column(sa.Integer, nullable=False, default=0)
    refus = sa.Column(sa.Integer, nullable=False, default=0)
    #: Last refusal (shown in the console).
    dernier_refus = sa.Column(sa.DateTime)

    user = relationship(User, foreign_keys=[user_id])
