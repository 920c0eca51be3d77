"""Interventions and lettres de demande (issue 23, manual §3.3.1, §3.3.5, §9.3).

In the real system interventions come from the CNFPT's management software;
here from the back office's generated screens and the REST API. An
intervention is done by one intervenant for one structure; its state changes
only through ``app.workflows.intervention.intervention``. A lettre de demande
(d'intervention ou de ressources) is the order of one intervention: its PDF
is a sensitive file (``Fichier``), its state changes only through
``app.workflows.intervention.lettre``.

The immatriculation number is given once, at the first intervention, from
``Immatriculation``: one row per intervenant, numbered by the database's own
counter (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so a number is
never given twice, even after a row is deleted.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.infra.formatting import format_date
from app.models.base import TimestampMixin, state_column, utcnow
from app.models.comptes import Intervenant
from app.models.referentiels import Structure


class EtatIntervention(enum.StrEnum):
    prevue = "prevue"
    en_cours = "en_cours"
    realisee = "realisee"
    annulee = "annulee"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_INTERVENTION[self]


LIBELLES_ETAT_INTERVENTION = {
    EtatIntervention.prevue: "Prévue",
    EtatIntervention.en_cours: "En cours",
    EtatIntervention.realisee: "Réalisée",
    EtatIntervention.annulee: "Annulée",
}


class EtatLettre(enum.StrEnum):
    brouillon = "brouillon"
    envoyee = "envoyee"
    acceptee = "acceptee"
    en_cours_execution = "en_cours_execution"
    terminee = "terminee"
    annulee = "annulee"
    #: Refused online by the intervenant, with a reason (docs/lettre_acceptation.md).
    refusee = "refusee"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_LETTRE[self]


LIBELLES_ETAT_LETTRE = {
    EtatLettre.brouillon: "Brouillon",
    EtatLettre.envoyee: "Envoyée",
    EtatLettre.acceptee: "Acceptée",
    EtatLettre.en_cours_execution: "En cours d'exécution",
    EtatLettre.terminee: "Terminée",
    EtatLettre.annulee: "Annulée",
    EtatLettre.refusee: "Refusée par l'intervenant",
}

#: « Programmée » (envoyée or acceptée) or « en cours d'exécution » (manual
#: §9.3): while one exists the intervenant cannot unregister.
LETTRE_PROGRAMMEE_OU_EN_COURS = (EtatLettre.envoyee, EtatLettre.acceptee, EtatLettre.en_cours_execution)
#: States in which a lettre still counts for its intervention (one at a time).
LETTRE_ACTIVE = (EtatLettre.brouillon, *LETTRE_PROGRAMMEE_OU_EN_COURS)


class TypeLettre(enum.StrEnum):
    intervention = "intervention"
    ressources = "ressources"

    @property
    def libelle(self) -> str:
        return LIBELLES_TYPE_LETTRE[self]


LIBELLES_TYPE_LETTRE = {
    TypeLettre.intervention: "Lettre de demande d'intervention",
    TypeLettre.ressources: "Lettre de demande de ressources",
}


class ModeRemuneration(enum.StrEnum):
    horaire = "horaire"
    journalier = "journalier"

    @property
    def libelle(self) -> str:
        return LIBELLES_MODE_REMUNERATION[self]

    @property
    def unite(self) -> str:
        return "heure" if self == ModeRemuneration.horaire else "jour"


LIBELLES_MODE_REMUNERATION = {
    ModeRemuneration.horaire: "Taux horaire",
    ModeRemuneration.journalier: "Taux journalier",
}


class Intervention(TimestampMixin, Model):
    """One intervention of an intervenant for a structure."""

    __tablename__ = "intervention"
    id = sa.Column(sa.Integer, primary_key=True)
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False)
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), nullable=False)
    intitule = sa.Column(sa.String(255), nullable=False)
    date_debut = sa.Column(sa.Date, nullable=False)
    date_fin = sa.Column(sa.Date, nullable=False)
    #: In days, decimals allowed (a half day: 0,5).
    duree_jours = sa.Column(sa.Numeric(6, 2), nullable=False)
    lieu = sa.Column(sa.String(255), nullable=False)
    etat = state_column(EtatIntervention, name="etat_intervention", default=EtatIntervention.prevue, index=False)
    #: Reference of the management software (optional, unique within a structure).
    reference_externe = sa.Column(sa.String(50))

    intervenant = relationship(Intervenant)
    structure = relationship(Structure)
    lettres = relationship("LettreDemande", back_populates="intervention", order_by="LettreDemande.id")

    __table_args__ = (
        sa.CheckConstraint("date_fin >= date_debut", name="dates_ordonnees"),
        sa.CheckConstraint("duree_jours > 0", name="duree_positive"),
        sa.UniqueConstraint("structure_id", "reference_externe", name="uq_intervention_structure_reference"),
        # « Mes interventions » and the unregistration rule: a person's, by date.
        sa.Index("ix_intervention_intervenant_debut", "intervenant_id", "date_debut"),
        # The structure's list, filtered by state, newest first.
        sa.Index("ix_intervention_structure_etat_debut", "structure_id", "etat", "date_debut"),
        # The structure's list as opened (no state), newest first: read in
        # order instead of sorting its thousands of rows (bench, session 19).
        sa.Index("ix_intervention_structure_debut", "structure_id", "date_debut", "id"),
        # The search's choice of intervenants who intervened for the structure (index only).
        sa.Index("ix_intervention_structure_intervenant", "structure_id", "intervenant_id"),
        # The suggestions' experience: a person's interventions réalisées,
        # counted from the index alone for each of thousands of candidates
        # (10 µs → 1 µs each at 100,000 profiles, app.operations.suggestions).
        sa.Index("ix_intervention_realisees", "intervenant_id",
                 postgresql_where=sa.text("etat = 'realisee'"), sqlite_where=sa.text("etat = 'realisee'")),
    )

    def __str__(self) -> str:
        return f"{self.intitule} ({format_date(self.date_debut)})"


class LettreDemande(Model):
    """The lettre de demande of an intervention: payment terms, number, date, PDF."""

    __tablename__ = "lettre_demande"
    id = sa.Column(sa.Integer, primary_key=True)
    #: « LD-AAAA-NNNNNN »: the year, then the row's id (unique, never reused).
    numero = sa.Column(sa.String(20), unique=True)
    intervention_id = sa.Column(sa.Integer, sa.ForeignKey("intervention.id", ondelete="CASCADE"), nullable=False,
                                index=True)
    type = state_column(TypeLettre, name="type_lettre_demande", default=TypeLettre.intervention, index=False)
    date_lettre = sa.Column(sa.Date, nullable=False)
    mode_remuneration = state_column(ModeRemuneration, name="mode_remuneration", index=False)
    #: Euros per hour or per day.
    taux = sa.Column(sa.Numeric(10, 2), nullable=False)
    #: Hours or days paid.
    quantite = sa.Column(sa.Numeric(8, 2), nullable=False)
    etat = state_column(EtatLettre, name="etat_lettre_demande", default=EtatLettre.brouillon, index=False)
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id"), unique=True)
    auteur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    cree_le = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: The last sending (« Envoyer », « Renvoyer »): when, and the SHA-256 of
    #: the PDF sent. The intervenant can accept only that exact PDF.
    envoyee_le = sa.Column(sa.DateTime)
    sha256_envoye = sa.Column(sa.String(64))
    #: The intervenant's online answer (acceptance or refusal): who, when,
    #: from which address, the SHA-256 of the PDF answered; the reason of a
    #: refusal; the accepted PDF with its acceptance page.
    reponse_le = sa.Column(sa.DateTime)
    reponse_par_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    reponse_ip = sa.Column(sa.String(45))
    sha256_reponse = sa.Column(sa.String(64))
    motif_refus = sa.Column(sa.Text)
    fichier_accepte_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id"), unique=True)

    intervention = relationship(Intervention, back_populates="lettres")
    fichier = relationship("Fichier", foreign_keys=[fichier_id])
    fichier_accepte = relationship("Fichier", foreign_keys=[fichier_accepte_id])
    auteur = relationship(User, foreign_keys=[auteur_id])
    reponse_par = relationship(User, foreign_keys=[reponse_par_id])

    __table_args__ = (
        sa.CheckConstraint("taux > 0", name="taux_positif"),
        sa.CheckConstraint("quantite > 0", name="quantite_positive"),
        sa.Index("ix_lettre_demande_etat", "etat", "intervention_id"),
    )

    @property
    def montant(self) -> Decimal:
        return (Decimal(self.taux) * Decimal(self.quantite)).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        return self.numero or "Lettre de demande"


class Immatriculation(Model):
    """The immatriculation numbers given: one per intervenant, never reused."""

    __tablename__ = "immatriculation"
    id = sa.Column(sa.Integer, primary_key=True)
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="SET NULL"), unique=True)
    numero = sa.Column(sa.String(20), unique=True)
    attribuee_le = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)
