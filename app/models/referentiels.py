"""Referential tables loaded from ``app/data/refdata/*.csv``.

Codes are strings (leading zeros kept). Every referential has a natural key
(``code``, the SIRET for employers, the full La Poste line for postal codes) so
that loading the same CSV twice updates rows instead of duplicating them.
Rows are never deleted by the loader: an administrator retires a value by
unticking ``actif``, which keeps the rows that already point to it valid.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

#: Values other code relies on (routing, scoping): the loader and the console refuse others.
TYPES_STRUCTURE = ("delegation_regionale", "espace_cooperation", "institut", "siege_national")
TYPES_EMPLOYEUR = ("PUBLIC", "PRIVE")
DESTINATAIRES_SUPPORT = ("STRUCTURE", "NATIONAL")
TYPES_LANGUE = ("etrangere", "regionale")


def actif_column() -> sa.Column:
    """Retired values stay in the table (old rows keep pointing to them) but
    are no longer offered in forms."""
    return sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())


structure_region = sa.Table(
    "structure_region",
    Model.metadata,
    sa.Column("structure_id", sa.Integer, sa.ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.Integer, sa.ForeignKey("region.id", ondelete="CASCADE"), primary_key=True),
)

statut_professionnel_piece = sa.Table(
    "statut_professionnel_piece",
    Model.metadata,
    sa.Column(
        "statut_professionnel_id",
        sa.Integer,
        sa.ForeignKey("statut_professionnel.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("piece_statut_id", sa.Integer, sa.ForeignKey("piece_statut.id", ondelete="CASCADE"), primary_key=True),
)


class ReferentielMixin:
    """A simple (code, libellé) list. ``ordre`` is the position in the source
    file, the order in which forms offer the values (levels, categories...)."""

    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(40), nullable=False, unique=True)
    libelle = sa.Column(sa.String(255), nullable=False)
    ordre = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    actif = actif_column()

    def __str__(self) -> str:
        return self.libelle


# --- Geography -------------------------------------------------------------


class Region(Model):
    __tablename__ = "region"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(3), nullable=False, unique=True)
    nom = sa.Column(sa.String(100), nullable=False)
    chef_lieu_commune = sa.Column(sa.String(5))
    outre_mer = sa.Column(sa.Boolean, nullable=False, default=False)
    actif = actif_column()

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
    actif = actif_column()

    region = relationship(Region, back_populates="departements")

    def __str__(self) -> str:
        return f"{self.code} - {self.nom}"


class Structure(Model):
    """A CNFPT structure (délégation, espace de coopération, institut, siège)."""

    __tablename__ = "structure"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(20), nullable=False, unique=True)
    nom = sa.Column(sa.String(150), nullable=False)
    type = sa.Column(sa.String(40), nullable=False)  # one of TYPES_STRUCTURE
    nationale = sa.Column(sa.Boolean, nullable=False, default=False)
    messagerie_active = sa.Column(sa.Boolean, nullable=False, default=True)
    actif = actif_column()

    regions = relationship(Region, secondary=structure_region, order_by=Region.nom)

    def __str__(self) -> str:
        return self.nom


class Pays(Model):
    """ISO 3166-1 country with its INSEE COG code (birth place, nationality)."""

    __tablename__ = "pays"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(2), nullable=False, unique=True)  # ISO alpha-2
    code_iso3 = sa.Column(sa.String(3))  # Kosovo (XK) has no ISO alpha-3 nor numeric code
    code_num = sa.Column(sa.String(3))
    nom = sa.Column(sa.String(100), nullable=False, index=True)
    nom_iso_court = sa.Column(sa.String(100))
    nom_en = sa.Column(sa.String(100))
    # INSEE writes XXXXX for France and its overseas parts; several territories share a code.
    code_cog_insee = sa.Column(sa.String(5))
    libelle_insee = sa.Column(sa.String(100))
    libelle_officiel_insee = sa.Column(sa.String(150))
    actif = actif_column()

    def __str__(self) -> str:
        return self.nom


class CodePostal(Model):
    """One line of La Poste's base officielle des codes postaux: a commune
    under one postal code (a commune may have several, a code several communes).

    The source has no identifier: a line is identified by the commune, the
    postal code, the libellé d'acheminement and the ligne 5 together.
    """

    __tablename__ = "code_postal"
    __table_args__ = (sa.UniqueConstraint("code_insee", "code_postal", "libelle_acheminement", "ligne_5"),)
    id = sa.Column(sa.Integer, primary_key=True)
    code_insee = sa.Column(sa.String(5), nullable=False, index=True)
    nom_commune = sa.Column(sa.String(100), nullable=False)
    code_postal = sa.Column(sa.String(5), nullable=False, index=True)
    libelle_acheminement = sa.Column(sa.String(100), nullable=False)
    # Empty string rather than NULL: the column is part of the unique key.
    ligne_5 = sa.Column(sa.String(100), nullable=False, default="", server_default="")
    actif = actif_column()

    def __str__(self) -> str:
        return f"{self.code_postal} {self.nom_commune}"


# --- Training --------------------------------------------------------------


class Specialite(Model):
    """Spécialité de formation; its sous-spécialités are what an intervenant picks."""

    __tablename__ = "specialite"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(20), nullable=False, unique=True)
    libelle = sa.Column(sa.String(255), nullable=False)
    source = sa.Column(sa.String(20))
    ordre = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    actif = actif_column()

    sous_specialites = relationship("SousSpecialite", back_populates="specialite", order_by="SousSpecialite.ordre")

    def __str__(self) -> str:
        return self.libelle


class SousSpecialite(Model):
    __tablename__ = "sous_specialite"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(20), nullable=False, unique=True)
    libelle = sa.Column(sa.String(255), nullable=False)
    specialite_id = sa.Column(sa.Integer, sa.ForeignKey("specialite.id"), nullable=False, index=True)
    source = sa.Column(sa.String(20))
    ordre = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    actif = actif_column()

    specialite = relationship(Specialite, back_populates="sous_specialites")

    def __str__(self) -> str:
        return self.libelle


class NatureFormation(ReferentielMixin, Model):
    __tablename__ = "nature_formation"


class PublicFormation(ReferentielMixin, Model):
    """Public visé par une formation (``publics.csv``)."""

    __tablename__ = "public_formation"


class PrestationComplementaire(ReferentielMixin, Model):
    __tablename__ = "prestation_complementaire"


class MethodePedagogique(ReferentielMixin, Model):
    __tablename__ = "methode_pedagogique"
    source = sa.Column(sa.String(20))


class NiveauDiplome(ReferentielMixin, Model):
    """Cadre national des certifications, niveaux 1 à 8 (décret 2019-14);
    ``code`` is the level number."""

    __tablename__ = "niveau_diplome"
    description_officielle = sa.Column(sa.Text)
    ancien_niveau_1969 = sa.Column(sa.String(5))


class Langue(ReferentielMixin, Model):
    __tablename__ = "langue"
    type = sa.Column(sa.String(20), nullable=False)  # one of TYPES_LANGUE


class NiveauLangue(ReferentielMixin, Model):
    __tablename__ = "niveau_langue"


class EtatCandidature(ReferentielMixin, Model):
    """Labels of the candidature states as the intervenant sees them."""

    __tablename__ = "etat_candidature"


# --- Administrative situation ----------------------------------------------


class PieceStatut(ReferentielMixin, Model):
    """A document the dossier administratif requires for some statuts."""

    __tablename__ = "piece_statut"


class StatutProfessionnel(ReferentielMixin, Model):
    __tablename__ = "statut_professionnel"
    type_employeur = sa.Column(sa.String(20))  # one of TYPES_EMPLOYEUR, or none (no employer)

    pieces_requises = relationship(PieceStatut, secondary=statut_professionnel_piece, order_by=PieceStatut.ordre)


class FonctionPublique(ReferentielMixin, Model):
    __tablename__ = "fonction_publique"
    libelle_court = sa.Column(sa.String(40))


class CategorieHierarchique(ReferentielMixin, Model):
    __tablename__ = "categorie_hierarchique"


class PositionAdministrative(ReferentielMixin, Model):
    __tablename__ = "position_administrative"
    type = sa.Column(sa.String(60))
    en_vigueur = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    reference = sa.Column(sa.String(150))
    note = sa.Column(sa.Text)


class TypeContrat(ReferentielMixin, Model):
    __tablename__ = "type_contrat"
    source = sa.Column(sa.String(20))


class TypePieceIdentite(ReferentielMixin, Model):
    __tablename__ = "type_piece_identite"
    verso_requis = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())


class TypeDemandeSupport(ReferentielMixin, Model):
    __tablename__ = "type_demande_support"
    destinataire = sa.Column(sa.String(20), nullable=False)  # one of DESTINATAIRES_SUPPORT
    source = sa.Column(sa.String(20))


class EmployeurPublic(Model):
    """Public employer (SIRENE extract, catégorie juridique 7xxx) offered by
    the employer autocompletion; the SIRET is its natural key."""

    __tablename__ = "employeur_public"
    id = sa.Column(sa.Integer, primary_key=True)
    siret = sa.Column(sa.String(14), nullable=False, unique=True)
    siren = sa.Column(sa.String(9), nullable=False, index=True)
    raison_sociale = sa.Column(sa.String(255), nullable=False, index=True)
    adresse = sa.Column(sa.String(255))
    code_postal = sa.Column(sa.String(5))
    ville = sa.Column(sa.String(100))
    code_commune_insee = sa.Column(sa.String(5))
    categorie_juridique = sa.Column(sa.String(4))
    luhn_ok = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    source_siret = sa.Column(sa.Text)
    source_adresse = sa.Column(sa.Text)
    actif = actif_column()

    def __str__(self) -> str:
        return self.raison_sociale
