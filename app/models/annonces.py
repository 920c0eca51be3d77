"""Annonces (besoins d'intervenants publiés par une structure), candidatures
and the record of e-mail alerts already sent (manual §4 and §8)."""

from __future__ import annotations

import enum
import secrets

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy import event
from sqlalchemy.orm import relationship

from app.models.base import TimestampMixin, state_column, utcnow
from app.models.comptes import Intervenant
from app.models.fichiers import Fichier
from app.models.referentiels import Departement, NatureFormation, Pays, Region, SousSpecialite, Specialite, Structure


class EtatAnnonce(enum.StrEnum):
    brouillon = "brouillon"
    publiee = "publiee"
    depubliee = "depubliee"
    cloturee = "cloturee"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_ANNONCE[self]


LIBELLES_ETAT_ANNONCE = {
    EtatAnnonce.brouillon: "Brouillon",
    EtatAnnonce.publiee: "Publiée",
    EtatAnnonce.depubliee: "Dépubliée",
    EtatAnnonce.cloturee: "Clôturée",
}


class EtatCandidatureAnnonce(enum.StrEnum):
    deposee = "deposee"
    etudiee = "etudiee"
    non_retenue = "non_retenue"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_CANDIDATURE[self]


LIBELLES_ETAT_CANDIDATURE = {
    EtatCandidatureAnnonce.deposee: "Déposée",
    EtatCandidatureAnnonce.etudiee: "Étudiée",
    EtatCandidatureAnnonce.non_retenue: "Non retenue",
}


def _association(name: str, target: str) -> sa.Table:
    """Annonce ↔ referential link table, indexed from the referential side
    (public search and alert matching start from a spécialité or a région)."""
    return sa.Table(
        f"annonce_{name}",
        Model.metadata,
        sa.Column("annonce_id", sa.Integer, sa.ForeignKey("annonce.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(f"{target}_id", sa.Integer, sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
        sa.Index(f"ix_annonce_{name}_{target}", f"{target}_id", "annonce_id"),
    )


annonce_specialite = _association("specialite", "specialite")
annonce_sous_specialite = _association("sous_specialite", "sous_specialite")
annonce_region = _association("region", "region")
annonce_departement = _association("departement", "departement")


def nouveau_numero() -> str:
    """A random 10-digit number (uniqueness is checked on insert)."""
    return f"{secrets.randbelow(10**10):010d}"


class Annonce(TimestampMixin, Model):
    """An annonce, with every field of the manual's detail page."""

    __tablename__ = "annonce"
    id = sa.Column(sa.Integer, primary_key=True)
    numero = sa.Column(sa.String(10), nullable=False, unique=True)
    intitule = sa.Column(sa.String(255), nullable=False)
    description = sa.Column(sa.Text, nullable=False)
    profil_recherche = sa.Column(sa.Text)
    contexte = sa.Column(sa.Text)
    public_vise = sa.Column(sa.Text)
    #: Catégorie d'intervention (nature de formation), criterion of the quick search.
    nature_formation_id = sa.Column(sa.Integer, sa.ForeignKey("nature_formation.id"), index=True)
    duree_jours = sa.Column(sa.Numeric(6, 2))
    date_debut = sa.Column(sa.Date)
    date_fin = sa.Column(sa.Date)
    date_limite = sa.Column(sa.Date, nullable=False)
    #: The deadline may exceptionally fall after the start of the period.
    date_limite_apres_debut = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    pays_id = sa.Column(sa.Integer, sa.ForeignKey("pays.id"))
    precisions_lieux = sa.Column(sa.Text)
    contact_nom = sa.Column(sa.String(150))
    contact_telephone = sa.Column(sa.String(20))
    contact_email = sa.Column(sa.String(254))
    urgent = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), nullable=False, index=True)
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id", ondelete="SET NULL"))
    etat = state_column(EtatAnnonce, name="etat_annonce", default=EtatAnnonce.brouillon)
    date_publication = sa.Column(sa.DateTime)

    structure = relationship(Structure)
    pays = relationship(Pays)
    nature_formation = relationship(NatureFormation)
    fichier = relationship(Fichier)
    specialites = relationship(Specialite, secondary=annonce_specialite, order_by=Specialite.libelle)
    sous_specialites = relationship(SousSpecialite, secondary=annonce_sous_specialite, order_by=SousSpecialite.libelle)
    regions = relationship(Region, secondary=annonce_region, order_by=Region.nom)
    departements = relationship(Departement, secondary=annonce_departement, order_by=Departement.code)

    __table_args__ = (
        sa.Index("ix_annonce_etat_date_limite", "etat", "date_limite"),
        sa.Index("ix_annonce_date_publication", "date_publication"),
        # Home page and default search order: newest published first, read
        # from the index up to one page instead of sorting every open annonce.
        sa.Index("ix_annonce_etat_publication", "etat", "date_publication", "id"),
    )

    @property
    def etat_libelle(self) -> str:
        return EtatAnnonce(self.etat).libelle

    @property
    def lieux(self) -> str:
        """Région(s)/Pays d'intervention, as in the result tables."""
        if self.regions:
            return ", ".join(r.nom for r in self.regions)
        return self.pays.nom if self.pays else ""

    def ouverte_aux_candidatures(self, today) -> bool:
        return self.etat == EtatAnnonce.publiee and self.date_limite >= today

    def __str__(self) -> str:
        return f"{self.numero} – {self.intitule}"


@event.listens_for(Annonce, "before_insert")
def _attribuer_numero(mapper, connection, target: Annonce) -> None:
    """Generate the 10-digit number, drawing again on the (rare) collision."""
    if target.numero:
        return
    table = Annonce.__table__
    for _ in range(20):
        numero = nouveau_numero()
        if connection.scalar(sa.select(table.c.id).where(table.c.numero == numero)) is None:
            target.numero = numero
            return
    raise RuntimeError("Impossible d'attribuer un numéro d'annonce unique.")


class Candidature(Model):
    """An intervenant's answer to an annonce (one per annonce and person)."""

    __tablename__ = "candidature"
    id = sa.Column(sa.Integer, primary_key=True)
    annonce_id = sa.Column(sa.Integer, sa.ForeignKey("annonce.id", ondelete="CASCADE"), nullable=False)
    intervenant_id = sa.Column(
        sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False, index=True
    )
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    commentaire = sa.Column(sa.Text)
    etat = state_column(EtatCandidatureAnnonce, name="etat_candidature_annonce", default=EtatCandidatureAnnonce.deposee)

    annonce = relationship(Annonce)
    intervenant = relationship(Intervenant)

    __table_args__ = (sa.UniqueConstraint("annonce_id", "intervenant_id"),)

    @property
    def etat_libelle(self) -> str:
        return EtatCandidatureAnnonce(self.etat).libelle

    def __str__(self) -> str:
        return f"Candidature n°{self.id}"


class AlerteEnvoyee(Model):
    """One alert per (annonce, intervenant), ever: the unique key is what
    makes a re-publication never alert the same person twice."""

    __tablename__ = "alerte_envoyee"
    id = sa.Column(sa.Integer, primary_key=True)
    annonce_id = sa.Column(sa.Integer, sa.ForeignKey("annonce.id", ondelete="CASCADE"), nullable=False)
    intervenant_id = sa.Column(
        sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: Set when the e-mail was written to the outbox by a batch job.
    email_ecrit_le = sa.Column(sa.DateTime)

    __table_args__ = (sa.UniqueConstraint("annonce_id", "intervenant_id"),)
