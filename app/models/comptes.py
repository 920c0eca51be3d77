"""Domain accounts, kept apart from FAB's login user (``ab_user``).

A login user is who signs in; an ``Intervenant`` is the trainer's profile and a
``Gestionnaire`` links a staff user to the structure whose rows they may handle.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship, validates

from app.models.base import TimestampMixin, state_column
from app.models.referentiels import (
    Departement,
    FonctionPublique,
    Pays,
    PositionAdministrative,
    Region,
    SousSpecialite,
    Specialite,
    StatutProfessionnel,
    Structure,
)


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


#: Civilité: the one vocabulary stored (forms, demo and volume data, the NIR
#: check: its first digit 1 is « M », 2 « Mme »), then the words shown.
CIVILITE_MONSIEUR = "M"
CIVILITE_MADAME = "Mme"
LIBELLES_CIVILITE = {CIVILITE_MONSIEUR: "Monsieur", CIVILITE_MADAME: "Madame"}


class Intervenant(TimestampMixin, Model):
    """The trainer's profile (CV); one per login user."""

    __tablename__ = "intervenant"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, unique=True)
    civilite = sa.Column(sa.String(5), nullable=False)

    @validates("civilite")
    def _civilite_du_vocabulaire(self, _cle, valeur):
        """Only « M » or « Mme » (or "" once anonymised): the demo data once
        stored « M. », which the NIR check did not know (issue 33)."""
        if valeur not in LIBELLES_CIVILITE and valeur != "":
            raise ValueError(f"Civilité inconnue : {valeur!r} (attendue : {', '.join(LIBELLES_CIVILITE)}).")
        return valeur

    @property
    def civilite_libelle(self) -> str:
        """« Monsieur » / « Madame », never the stored « M » (issue 25)."""
        return LIBELLES_CIVILITE.get(self.civilite, self.civilite or "")

    nom_naissance = sa.Column(sa.String(100), nullable=False)
    nom_usage = sa.Column(sa.String(100), nullable=False)
    prenom = sa.Column(sa.String(100), nullable=False)
    date_naissance = sa.Column(sa.Date, nullable=False)
    structure_id = sa.Column(sa.Integer, sa.ForeignKey("structure.id"), index=True)
    etat_inscription = state_column(EtatInscription, name="etat_inscription", default=EtatInscription.brouillon)
    date_transmission = sa.Column(sa.DateTime)
    date_premiere_analyse = sa.Column(sa.DateTime)
    immatriculation = sa.Column(sa.String(20), unique=True)
    # Uniqueness of a person (civilité, nom de naissance, prénom, date de
    # naissance, normalised by app.models.authentification.identite_normalisee): set by registration and
    # back-office account creation; the unique index stops concurrent duplicates.
    identite_normalisee = sa.Column(sa.String(400), unique=True)

    # --- Page 1 « Identification » (manual §3.1.2). Every column is nullable:
    # « Enregistrer » keeps a partial draft; the required fields are checked at
    # submission (app.profil.champs_manquants).
    # Le formateur
    lieu_naissance = sa.Column(sa.String(100))
    nationalite_id = sa.Column(sa.Integer, sa.ForeignKey("pays.id"))
    adresse_complement = sa.Column(sa.String(100))  # N° appartement ou boîte aux lettres...
    adresse_batiment = sa.Column(sa.String(100))  # Entrée - bâtiment-immeuble
    adresse_voie = sa.Column(sa.String(150))
    pays_residence_id = sa.Column(sa.Integer, sa.ForeignKey("pays.id"))
    code_postal = sa.Column(sa.String(20))
    localite = sa.Column(sa.String(100))
    telephone_personnel = sa.Column(sa.String(20))
    portable_personnel = sa.Column(sa.String(20))
    telephone_professionnel = sa.Column(sa.String(20))
    portable_professionnel = sa.Column(sa.String(20))
    # Le statut
    statut_professionnel_id = sa.Column(sa.Integer, sa.ForeignKey("statut_professionnel.id"))
    temps_travail = sa.Column(sa.String(20))  # "complet" / "non_complet"
    fonction_publique_id = sa.Column(sa.Integer, sa.ForeignKey("fonction_publique.id"))
    situation_position = sa.Column(sa.String(100))
    fonction = sa.Column(sa.String(150))
    grade = sa.Column(sa.String(150))
    service = sa.Column(sa.String(150))
    position_administrative_id = sa.Column(sa.Integer, sa.ForeignKey("position_administrative.id"))
    # L'employeur (type copied from the statut: PUBLIC / PRIVE / none)
    type_employeur = sa.Column(sa.String(20))
    employeur_raison_sociale = sa.Column(sa.String(255))
    employeur_siret = sa.Column(sa.String(14), index=True)
    employeur_pays_id = sa.Column(sa.Integer, sa.ForeignKey("pays.id"))
    employeur_voie = sa.Column(sa.String(150))
    employeur_complement = sa.Column(sa.String(100))
    employeur_batiment = sa.Column(sa.String(100))
    employeur_code_postal = sa.Column(sa.String(20))
    employeur_localite = sa.Column(sa.String(100))
    employeur_telephone = sa.Column(sa.String(20))
    # Coordonnées professionnelles (si différentes de celles de l'employeur)
    adresse_pro_differente = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    pro_pays_id = sa.Column(sa.Integer, sa.ForeignKey("pays.id"))
    pro_code_postal = sa.Column(sa.String(20))
    pro_localite = sa.Column(sa.String(100))
    pro_complement = sa.Column(sa.String(100))
    pro_batiment = sa.Column(sa.String(100))
    pro_voie = sa.Column(sa.String(150))
    pro_email = sa.Column(sa.String(255))
    pro_telephone = sa.Column(sa.String(20))
    pro_portable = sa.Column(sa.String(20))
    # Zone d'intervention, permis
    disponible_etranger = sa.Column(sa.Boolean, index=True)
    permis_conduire = sa.Column(sa.Boolean)
    vehicule_personnel = sa.Column(sa.Boolean)

    # --- Page 2 « Parcours » (rows in app.models.parcours)
    deja_forme = sa.Column(sa.Boolean)  # Avez-vous déjà réalisé des formations ?
    motivation = sa.Column(sa.Text)  # Votre motivation pour devenir intervenant
    autre_prestation = sa.Column(sa.String(255))
    reseaux_sociaux = sa.Column(sa.Boolean)
    cv_fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id", ondelete="SET NULL"))
    #: Date of the latest « complément demandé » (auto-archive after 2 months)
    #: and of the reminder sent 2 weeks before.
    date_complement_demande = sa.Column(sa.DateTime)
    date_relance_complement = sa.Column(sa.DateTime)
    #: Text of the Parcours gathered at each save, searched by the CV-thèque
    #: (full-text GIN index on PostgreSQL, LIKE on SQLite).
    texte_parcours = sa.Column(sa.Text)

    # Alertes e-mail (manual §8): the first two add up (OR), the third is
    # restrictive (spécialités AND régions).
    alerte_specialites = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    alerte_regions = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    alerte_specialites_et_regions = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    #: « Annonces pour vous » chaque semaine par e-mail (issue 37).
    alerte_annonces_pour_vous = sa.Column(sa.Boolean, nullable=False, default=False, server_default=sa.false())

    user = relationship(User, foreign_keys=[user_id])
    structure = relationship(Structure)
    regions = relationship(Region, secondary=intervenant_region, order_by=Region.nom)
    departements = relationship(Departement, secondary=intervenant_departement, order_by=Departement.code)
    specialites = relationship(Specialite, secondary=intervenant_specialite, order_by=Specialite.code)
    sous_specialites = relationship(SousSpecialite, secondary=intervenant_sous_specialite, order_by=SousSpecialite.code)
    nationalite = relationship(Pays, foreign_keys=[nationalite_id])
    pays_residence = relationship(Pays, foreign_keys=[pays_residence_id])
    employeur_pays = relationship(Pays, foreign_keys=[employeur_pays_id])
    pro_pays = relationship(Pays, foreign_keys=[pro_pays_id])
    statut_professionnel = relationship(StatutProfessionnel)
    fonction_publique = relationship(FonctionPublique)
    position_administrative = relationship(PositionAdministrative)
    cv_fichier = relationship("Fichier", foreign_keys=[cv_fichier_id])

    __table_args__ = (
        sa.Index("ix_intervenant_structure_etat", "structure_id", "etat_inscription", "date_transmission"),
        # Ordered walks that stop after one page (CV-thèque sorts, the
        # structure's inscription requests) instead of sorting every match.
        sa.Index("ix_intervenant_etat_nom", "etat_inscription", "nom_usage", "prenom", "id"),
        sa.Index("ix_intervenant_etat_transmission", "etat_inscription", "date_transmission", "id"),
        sa.Index("ix_intervenant_structure_transmission", "structure_id", "date_transmission", "id"),
    )

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom_usage}"

    def __str__(self) -> str:
        return self.nom_complet


#: PostgreSQL only (issue #6): the Parcours text as a stored ``tsvector``
#: (generated column). Computing ``to_tsvector`` row by row at search time cost
#: seconds for a common word at 100,000 profiles; the stored value is compared
#: directly. Not mapped (SQLite has no such type and searches with LIKE).
TEXTE_PARCOURS_TSV = "texte_parcours_tsv"
#: PostgreSQL only: link table → intervenant column holding the linked ids as a
#: sorted ``integer[]``. The CV-thèque then finds text, spécialité and région in
#: one GIN index instead of joining each link table to the validated profiles
#: (7 to 15 ms at 100,000 profiles). Copied by triggers on the link tables, so
#: no code maintains them; not mapped either.
TABLEAUX_POSTGRESQL = {intervenant_specialite.name: "specialite_ids", intervenant_region.name: "region_ids"}
#: The CV-thèque only searches validated profiles: one partial GIN index over
#: the three columns serves text, criteria and both (posting lists intersected
#: inside the index; separate indexes were BitmapAnd-ed or rechecked, 3 to 20
#: ms). It replaces the full-text index on every profile, which nothing else used.
INDEX_RECHERCHE = "ix_intervenant_recherche_cvtheque"
#: The CV-thèque's two sorts over the validated profiles, the arrays carried in
#: the index (INCLUDE): a broad search (a spécialité held by a fifth of the
#: profiles) reads one page, and its capped count, from the index alone,
#: stopping after enough matches, where the GIN index hands over every match
#: (32,000 at 300,000 profiles: 8 ms) to be read and sorted. The planner picks
#: one or the other from its estimates (app.views.cvtheque for free text).
INDEX_TRIS_CVTHEQUE = {
    "ix_intervenant_cvtheque_nom": "nom_usage, prenom, id",
    "ix_intervenant_cvtheque_transmission": "date_transmission DESC, id DESC",
}
#: Samples of the validated profiles (1 in 64 and 1 in 8, by id), each
#: with the search index's columns: index name → divisor. The capped count
#: (« Plus de 100 ») stops as soon as one sample holds more than the cap, so
#: a broad search reads short lists whatever the volume, where the whole
#: index hands over every match first (22,000 for « management » at 300,000
#: profiles: 8 ms). app.operations.cvtheque.compter. 14 % more GIN entries.
ECHANTILLONS_CVTHEQUE = {
    "ix_intervenant_cvtheque_echantillon_64": 64,
    "ix_intervenant_cvtheque_echantillon_8": 8,
}

#: The inscription queue's order (app.views.file_inscriptions): newest
#: transmission first, never transmitted last. PostgreSQL sorts NULLs first in
#: a descending order, so the mapped ``ix_intervenant_structure_transmission``
#: read backwards gave the drafts first; SQLite reads that one in the queue's
#: order (its NULLs are the smallest) and has no ``NULLS LAST`` in an index.
#: Per structure, and over every structure for a national role.
INDEX_FILE_INSCRIPTIONS = {
    "ix_intervenant_file_structure": "structure_id, date_transmission DESC NULLS LAST, id DESC",
    "ix_intervenant_file_nationale": "date_transmission DESC NULLS LAST, id DESC",
}


def _ddl_synchronisation(lien: sa.Table, colonne: str) -> tuple[str, ...]:
    """Function and triggers copying ``lien`` into ``intervenant.<colonne>``.

    Statement-level triggers with transition tables: a multi-row insert
    recomputes each touched profile once. PostgreSQL allows one event per
    trigger with transition tables, hence three. The profile rows are locked
    first so that a concurrent change of the same profile's links is seen
    (read committed: the next statement's snapshot includes it); NO KEY UPDATE
    does not conflict with the foreign-key check of the link rows."""
    reference = list(lien.c)[1].name  # columns of _association: intervenant id, referential id
    fonction = f"{lien.name}_copier_ids"
    ddl = [  # names from the table definitions only
        f"""CREATE OR REPLACE FUNCTION {fonction}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touches integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        touches := array(SELECT DISTINCT intervenant_id FROM nouvelles);
    ELSIF TG_OP = 'DELETE' THEN
        touches := array(SELECT DISTINCT intervenant_id FROM anciennes);
    ELSE
        touches := array(SELECT intervenant_id FROM anciennes UNION SELECT intervenant_id FROM nouvelles);
    END IF;
    PERFORM 1 FROM intervenant WHERE id = ANY (touches) ORDER BY id FOR NO KEY UPDATE;
    UPDATE intervenant i
    SET {colonne} = array(SELECT l.{reference} FROM {lien.name} l WHERE l.intervenant_id = i.id ORDER BY 1)
    WHERE i.id = ANY (touches);
    RETURN NULL;
END
$$""",  # noqa: S608
    ]
    transitions = {
        "INSERT": "NEW TABLE AS nouvelles",
        "UPDATE": "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
        "DELETE": "OLD TABLE AS anciennes",
    }
    for evenement, tables in transitions.items():
        ddl.append(
            f"CREATE TRIGGER {lien.name}_copier_ids_{evenement.lower()} AFTER {evenement} ON {lien.name} "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {fonction}()"
        )
    return tuple(ddl)


#: Created with the tables here (``db.create_all``) and by the migrations.
DDL_POSTGRESQL = (
    f"ALTER TABLE intervenant ADD COLUMN {TEXTE_PARCOURS_TSV} tsvector GENERATED ALWAYS AS "
    "(to_tsvector('french', coalesce(texte_parcours, ''))) STORED",
    *(f"ALTER TABLE intervenant ADD COLUMN {c} integer[] NOT NULL DEFAULT '{{}}'" for c in TABLEAUX_POSTGRESQL.values()),
    f"CREATE INDEX {INDEX_RECHERCHE} ON intervenant USING gin "
    f"({TEXTE_PARCOURS_TSV}, {', '.join(TABLEAUX_POSTGRESQL.values())}) WHERE etat_inscription = 'validee'",
    *(
        f"CREATE INDEX {nom} ON intervenant USING gin ({TEXTE_PARCOURS_TSV}, {', '.join(TABLEAUX_POSTGRESQL.values())}) "
        f"WHERE etat_inscription = 'validee' AND id %% {diviseur} = 0"  # %%: sa.DDL formats its text
        for nom, diviseur in ECHANTILLONS_CVTHEQUE.items()
    ),
    *(
        f"CREATE INDEX {nom} ON intervenant ({colonnes}) INCLUDE ({', '.join(TABLEAUX_POSTGRESQL.values())}) "
        "WHERE etat_inscription = 'validee'"
        for nom, colonnes in INDEX_TRIS_CVTHEQUE.items()
    ),
    *(f"CREATE INDEX {nom} ON intervenant ({colonnes})" for nom, colonnes in INDEX_FILE_INSCRIPTIONS.items()),
)
#: Run after each link table is created (the triggers live on it).
DDL_POSTGRESQL_LIENS = {
    lien: _ddl_synchronisation(lien, TABLEAUX_POSTGRESQL[lien.name])
    for lien in (intervenant_specialite, intervenant_region)
}
#: Left out of the models ↔ migrations comparison (app.models.base).
OBJETS_POSTGRESQL = {
    TEXTE_PARCOURS_TSV, *TABLEAUX_POSTGRESQL.values(), INDEX_RECHERCHE, *INDEX_TRIS_CVTHEQUE, *ECHANTILLONS_CVTHEQUE,
    *INDEX_FILE_INSCRIPTIONS,
}
for _ddl in DDL_POSTGRESQL:
    sa.event.listen(Intervenant.__table__, "after_create", sa.DDL(_ddl).execute_if(dialect="postgresql"))
for _lien, _ddls in DDL_POSTGRESQL_LIENS.items():
    for _ddl in _ddls:
        sa.event.listen(_lien, "after_create", sa.DDL(_ddl).execute_if(dialect="postgresql"))
    # drop_all removes the triggers with the table, not their function.
    sa.event.listen(
        _lien, "after_drop",
        sa.DDL(f"DROP FUNCTION IF EXISTS {_lien.name}_copier_ids()").execute_if(dialect="postgresql"),
    )


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


def _structure_du_compte(user) -> str:
    """The structure a gestionnaire works for (users screen), or « — »."""
    from sqlalchemy.orm import object_session

    session = object_session(user)
    ligne = session.scalar(sa.select(Gestionnaire).where(Gestionnaire.user_id == user.id)) if session else None
    return ligne.structure.nom if ligne is not None else "—"


User.structure_du_compte = property(_structure_du_compte)
