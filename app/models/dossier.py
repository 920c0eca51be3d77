"""The dossier administratif dématérialisé (manual §3.3.3–§3.3.4, issue 20).

One dossier per intervenant, shared by every structure. It is made of blocks
(``Bloc``), each with its own state (``BlocDossier.etat``, changed only by
``app.workflows.dossier``). The adresse, téléphones, statut and employeur
blocks read and write the profile's own columns (``Intervenant``: one source
of truth); the dossier adds the identity document, the NIR, the bank details
and the pieces (files). NIR, IBAN and BIC are encrypted columns; the pieces
are sensitive files (encrypted by ``app.infra.storage``).

``DemandeDossier`` records each request a structure made and the trainer's
answer (``date_reponse``): staff of a structure read a dossier only while
their structure works with the trainer, an intervention or that answer; a
request alone opens nothing (need-to-know, ``app.workflows.dossier.condition_acces``).
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.infra.crypto import EncryptedString
from app.models.base import state_column, utcnow


class Bloc(enum.StrEnum):
    adresse = "adresse"
    telephones = "telephones"
    identite = "identite"
    securite_sociale = "securite_sociale"
    statut = "statut"
    employeur = "employeur"
    bancaire = "bancaire"
    diplome = "diplome"

    @property
    def libelle(self) -> str:
        return LIBELLES_BLOC[self]


#: The manual's block titles (history table, e-mails, back office).
LIBELLES_BLOC = {
    Bloc.adresse: "Adresse personnelle",
    Bloc.telephones: "Téléphones",
    Bloc.identite: "Document d'identité",
    Bloc.securite_sociale: "Attestation / carte vitale",
    Bloc.statut: "Statut et obligations",
    Bloc.employeur: "Employeur",
    Bloc.bancaire: "Informations bancaires",
    Bloc.diplome: "Diplôme",
}


class EtatBloc(enum.StrEnum):
    vide = "vide"
    demande = "demande"
    transmis = "transmis"
    valide = "valide"
    refuse = "refuse"
    a_reviser = "a_reviser"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_BLOC[self]


LIBELLES_ETAT_BLOC = {
    EtatBloc.vide: "Non renseigné",
    EtatBloc.demande: "Demandé",
    EtatBloc.transmis: "Transmis",
    EtatBloc.valide: "Validé",
    EtatBloc.refuse: "Refusé",
    EtatBloc.a_reviser: "À réviser",
}
#: States in which the block awaits the trainer (the menu's badge counts them).
ATTENTE_INTERVENANT = (EtatBloc.demande, EtatBloc.refuse, EtatBloc.a_reviser)


class Piece(enum.StrEnum):
    """A file of the dossier; the statut pieces are the referential's codes
    (``piece_statut``: which statut requires which)."""

    identite_recto = "identite_recto"
    identite_verso = "identite_verso"
    carte_vitale = "carte_vitale"
    rib = "rib"
    diplome = "diplome"
    ATTESTATION_HONNEUR = "ATTESTATION_HONNEUR"
    ARRETE_SITUATION = "ARRETE_SITUATION"
    CONTRAT_OU_ATTESTATION_EMPLOYEUR = "CONTRAT_OU_ATTESTATION_EMPLOYEUR"
    TITRE_PENSION = "TITRE_PENSION"


class DossierAdministratif(Model):
    """The dossier's own data (the rest is the profile's)."""

    __tablename__ = "dossier_administratif"
    id = sa.Column(sa.Integer, primary_key=True)
    intervenant_id = sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"),
                               nullable=False, unique=True)
    # Identité
    type_piece_identite_id = sa.Column(sa.Integer, sa.ForeignKey("type_piece_identite.id"))
    validite_debut = sa.Column(sa.Date)
    validite_fin = sa.Column(sa.Date, index=True)
    #: The reminder 30 days before the end of validity was sent (for this end date).
    rappel_expiration = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    pays_naissance_id = sa.Column(sa.Integer, sa.ForeignKey("pays.id"))
    # Sécurité sociale: the NIR, 15 characters with its key, encrypted
    nir = sa.Column(EncryptedString)
    # Statut: contract and attestation
    type_contrat_id = sa.Column(sa.Integer, sa.ForeignKey("type_contrat.id"))
    contrat_debut = sa.Column(sa.Date)
    contrat_fin = sa.Column(sa.Date)
    date_attestation = sa.Column(sa.Date)
    # Informations bancaires, encrypted
    iban = sa.Column(EncryptedString)
    bic = sa.Column(EncryptedString)
    zone_sepa = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    # Diplôme
    diplome_intitule = sa.Column(sa.String(255))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    intervenant = relationship("Intervenant")
    blocs = relationship("BlocDossier", back_populates="dossier", order_by="BlocDossier.id",
                         cascade="all, delete-orphan")
    pieces = relationship("PieceDossier", back_populates="dossier", cascade="all, delete-orphan")

    def bloc(self, bloc: Bloc) -> BlocDossier | None:
        return next((b for b in self.blocs if b.bloc == bloc), None)

    def piece(self, piece: Piece) -> PieceDossier | None:
        return next((p for p in self.pieces if p.piece == piece), None)


class BlocDossier(Model):
    """One block of a dossier and its state (``app.workflows.dossier``)."""

    __tablename__ = "bloc_dossier"
    __table_args__ = (
        sa.UniqueConstraint("dossier_id", "bloc", name="uq_bloc_dossier_dossier_id_bloc"),
        sa.Index("ix_bloc_dossier_etat_date", "etat", "date_transmission"),
    )
    # PostgreSQL also has INDEX_FILE_DOSSIERS (below).
    id = sa.Column(sa.Integer, primary_key=True)
    dossier_id = sa.Column(sa.Integer, sa.ForeignKey("dossier_administratif.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    bloc = state_column(Bloc, name="bloc_dossier_bloc", index=False)
    etat = state_column(EtatBloc, name="etat_bloc_dossier", default=EtatBloc.vide, index=False)
    #: The structure whose request is the latest on this block.
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), index=True)
    date_demande = sa.Column(sa.DateTime)
    date_transmission = sa.Column(sa.DateTime)
    date_decision = sa.Column(sa.DateTime)
    #: The last refusal's reason (the history keeps every one).
    motif_refus = sa.Column(sa.String(1000))
    #: Saved by the trainer (« Enregistrer ») since the last transmission.
    modifie = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    #: Yearly revision: reminder sent for this validation.
    rappel_revision = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())

    dossier = relationship(DossierAdministratif, back_populates="blocs")

    @property
    def libelle(self) -> str:
        return Bloc(self.bloc).libelle


class PieceDossier(Model):
    """A file of the dossier (one per kind, replaced on a new upload)."""

    __tablename__ = "piece_dossier"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "piece", name="uq_piece_dossier_dossier_id_piece"),)
    id = sa.Column(sa.Integer, primary_key=True)
    dossier_id = sa.Column(sa.Integer, sa.ForeignKey("dossier_administratif.id", ondelete="CASCADE"),
                           nullable=False)
    piece = state_column(Piece, name="piece_dossier_piece", index=False)
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id"), nullable=False, unique=True)

    dossier = relationship(DossierAdministratif, back_populates="pieces")
    #: Joined: the pages list each piece with its file's name and date (no query per piece).
    fichier = relationship("Fichier", lazy="joined")


class DemandeDossier(Model):
    """A request of a structure on a dossier: who asked which blocks, when."""

    __tablename__ = "demande_dossier"
    __table_args__ = (sa.Index("ix_demande_dossier_dossier_structure", "dossier_id", "structure_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    dossier_id = sa.Column(sa.Integer, sa.ForeignKey("dossier_administratif.id", ondelete="CASCADE"),
                           nullable=False)
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), nullable=False, index=True)
    auteur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: The blocks asked, comma-separated (``Bloc`` values).
    blocs = sa.Column(sa.String(200), nullable=False)
    #: When the trainer transmitted blocks of this request: their consent to
    #: this structure reading the dossier (``app.workflows.dossier.condition_acces``).
    date_reponse = sa.Column(sa.DateTime)


#: The structure's review queue (app.views.dossier.FILE_DOSSIERS): its blocks
#: asked for (not « vide »), latest transmission first, never transmitted
#: last. PostgreSQL only (an index in ``NULLS LAST`` order, partial): the
#: page reads its 20 rows and counts from the index instead of sorting the
#: structure's thousands of blocks (make bench, session 19). SQLite has the
#: mapped indexes.
INDEX_FILE_DOSSIERS = {
    "ix_bloc_dossier_file_structure":
        "ON bloc_dossier (structure_id, date_transmission DESC NULLS LAST) WHERE etat <> 'vide'",
}
for _nom, _definition in INDEX_FILE_DOSSIERS.items():
    sa.event.listen(BlocDossier.__table__, "after_create",
                    sa.DDL(f"CREATE INDEX {_nom} {_definition}").execute_if(dialect="postgresql"))
