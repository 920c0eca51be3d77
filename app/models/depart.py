"""Leaving and personal data (issue 24): retention of archived accounts,
inactivity warnings, « Récupérer mes données » files, purge runs.

``ConservationCompte``: one row per account that was archived (until when its
data are kept, why) or warned of its inactivity. ``ExportDonnees``: one
« Récupérer mes données » file, built by a job, stored encrypted, downloaded
once before it expires (only the SHA-256 of an e-mailed link's token is
kept). ``JournalPurge``: one row per run of the purge job, with its counts.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_appbuilder import Model

from app.models.base import state_column, utcnow


class MotifArchivage(enum.StrEnum):
    desinscription = "desinscription"
    inactivite = "inactivite"
    inscription = "inscription"

    @property
    def libelle(self) -> str:
        return {MotifArchivage.desinscription: "Désinscription", MotifArchivage.inactivite: "Inactivité",
                MotifArchivage.inscription: "Demande d'inscription archivée"}[self]


class ConservationCompte(Model):
    __tablename__ = "conservation_compte"
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    #: Set while the account is archived by this module (None: only warned).
    archive_le = sa.Column(sa.DateTime)
    motif = sa.Column(sa.String(20))
    #: The day the purge job deletes the personal data.
    suppression_le = sa.Column(sa.Date, index=True)
    #: The inactivity warning sent (void once the person logs in again).
    avertissement_inactivite_le = sa.Column(sa.DateTime)
    #: The latest reactivation: the inactivity delay counts from it too.
    reactive_le = sa.Column(sa.DateTime)
    purge_le = sa.Column(sa.DateTime)


class EtatExport(enum.StrEnum):
    en_preparation = "en_preparation"
    pret = "pret"
    telecharge = "telecharge"
    expire = "expire"
    echec = "echec"


class ExportDonnees(Model):
    __tablename__ = "export_donnees"
    id = sa.Column(sa.Integer, primary_key=True)
    #: Whose data.
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    #: Who asked (the person, or a national administrator for an archived account).
    demandeur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    demande_support_id = sa.Column(sa.Integer, sa.ForeignKey("demande_support.id", ondelete="SET NULL"))
    etat = state_column(EtatExport, name="etat_export_donnees", default=EtatExport.en_preparation, index=False)
    #: Where the file is (app.infra.storage, encrypted); None once downloaded or expired.
    storage_key = sa.Column(sa.String(255))
    taille = sa.Column(sa.Integer)
    #: SHA-256 of the e-mailed link's token (exports for an archived account).
    jeton_hash = sa.Column(sa.String(64), unique=True)
    cree_le = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    pret_le = sa.Column(sa.DateTime)
    expire_le = sa.Column(sa.DateTime, index=True)
    telecharge_le = sa.Column(sa.DateTime)


class JournalPurge(Model):
    """One run of the purge job: when, how many accounts, what was deleted."""

    __tablename__ = "journal_purge"
    id = sa.Column(sa.Integer, primary_key=True)
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    comptes = sa.Column(sa.Integer, nullable=False, default=0)
    fichiers = sa.Column(sa.Integer, nullable=False, default=0)
    #: Rows deleted or anonymised per table, as « table: n » lines.
    detail = sa.Column(sa.Text, nullable=False, default="")
