"""Page 2 « Parcours » of the intervenant profile (manual §3.1.2).

Each table of the page is a list of rows added one by one through an
« Ajouter … » sub-page; the multiple choices (natures, publics, prestations,
méthodes) are link tables indexed from the referential side for the CV-thèque.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import backref, relationship

from app.extensions import db, preparee
from app.infra import caches
from app.models.base import TimestampMixin
from app.models.comptes import Intervenant, _association
from app.models.fichiers import Fichier
from app.models.referentiels import (
    Langue,
    MethodePedagogique,
    NatureFormation,
    NiveauDiplome,
    NiveauLangue,
    PrestationComplementaire,
    PublicFormation,
    SousSpecialite,
)

intervenant_nature = _association("nature", "nature_formation")
intervenant_public = _association("public", "public_formation")
intervenant_prestation = _association("prestation", "prestation_complementaire")
intervenant_methode = _association("methode", "methode_pedagogique")

Intervenant.natures = relationship(NatureFormation, secondary=intervenant_nature, order_by=NatureFormation.ordre)
Intervenant.publics = relationship(PublicFormation, secondary=intervenant_public, order_by=PublicFormation.ordre)
Intervenant.prestations = relationship(
    PrestationComplementaire, secondary=intervenant_prestation, order_by=PrestationComplementaire.ordre
)
Intervenant.methodes = relationship(
    MethodePedagogique, secondary=intervenant_methode, order_by=MethodePedagogique.ordre
)


def _ligne(name: str, order_by: str = "id"):
    """Owner column and the profile's ordered, cascading collection."""
    return relationship(
        Intervenant,
        backref=backref(name, cascade="all, delete-orphan", order_by=order_by, lazy="select"),
    )


class LigneParcours(TimestampMixin):
    id = sa.Column(sa.Integer, primary_key=True)

    @sa.orm.declared_attr
    def intervenant_id(cls):
        return sa.Column(sa.Integer, sa.ForeignKey("intervenant.id", ondelete="CASCADE"), nullable=False, index=True)


class SpecialiteSouhaitee(LigneParcours, Model):
    """Sous-spécialité chosen by the intervenant with « Expertise en » and
    « Observations et motivations »; the link tables intervenant_specialite /
    intervenant_sous_specialite are kept in step for searches and alerts."""

    __tablename__ = "specialite_souhaitee"
    sous_specialite_id = sa.Column(sa.Integer, sa.ForeignKey("sous_specialite.id"), nullable=False)
    expertise = sa.Column(sa.String(255))
    observations = sa.Column(sa.Text)
    intervenant = _ligne("specialites_souhaitees", "SpecialiteSouhaitee.id")
    sous_specialite = relationship(SousSpecialite, lazy="joined")
    __table_args__ = (sa.UniqueConstraint("intervenant_id", "sous_specialite_id"),)


class ExperienceFormateur(LigneParcours, Model):
    __tablename__ = "experience_formateur"
    contexte = sa.Column(sa.String(255))
    libelle = sa.Column(sa.String(255), nullable=False)
    public = sa.Column(sa.String(255))
    annees = sa.Column(sa.String(50))
    duree = sa.Column(sa.String(50))
    organismes = sa.Column(sa.String(255))
    intervenant = _ligne("experiences_formateur", "ExperienceFormateur.id")


class ActionProfessionnalisation(LigneParcours, Model):
    __tablename__ = "action_professionnalisation"
    libelle = sa.Column(sa.String(255), nullable=False)
    organisme = sa.Column(sa.String(255))
    duree = sa.Column(sa.String(50))
    annee = sa.Column(sa.String(4))
    intervenant = _ligne("actions_professionnalisation", "ActionProfessionnalisation.id")


class ExperienceProfessionnelle(LigneParcours, Model):
    __tablename__ = "experience_professionnelle"
    employeur = sa.Column(sa.String(255), nullable=False)
    fonction = sa.Column(sa.String(255), nullable=False)
    periode = sa.Column(sa.String(50))
    missions = sa.Column(sa.Text)
    responsabilites = sa.Column(sa.Text)
    intervenant = _ligne("experiences_professionnelles", "ExperienceProfessionnelle.id")


class FormationSuivie(LigneParcours, Model):
    __tablename__ = "formation_suivie"
    nature = sa.Column(sa.String(255))
    libelle = sa.Column(sa.String(255), nullable=False)
    organisme = sa.Column(sa.String(255))
    duree = sa.Column(sa.String(50))
    annees = sa.Column(sa.String(50))
    intervenant = _ligne("formations_suivies", "FormationSuivie.id")


class FormationInitiale(LigneParcours, Model):
    __tablename__ = "formation_initiale"
    niveau_diplome_id = sa.Column(sa.Integer, sa.ForeignKey("niveau_diplome.id"))
    titre = sa.Column(sa.String(255), nullable=False)
    organisme = sa.Column(sa.String(255))
    annee = sa.Column(sa.String(4))
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id", ondelete="SET NULL"))
    intervenant = _ligne("formations_initiales", "FormationInitiale.id")
    niveau_diplome = relationship(NiveauDiplome, lazy="joined")
    fichier = relationship(Fichier, lazy="joined")


class LangueIntervenant(LigneParcours, Model):
    """A language with the three levels of the manual."""

    __tablename__ = "langue_intervenant"
    langue_id = sa.Column(sa.Integer, sa.ForeignKey("langue.id"), nullable=False, index=True)
    niveau_conversation_id = sa.Column(sa.Integer, sa.ForeignKey("niveau_langue.id"))
    niveau_animation_id = sa.Column(sa.Integer, sa.ForeignKey("niveau_langue.id"))
    niveau_redaction_id = sa.Column(sa.Integer, sa.ForeignKey("niveau_langue.id"))
    intervenant = _ligne("langues", "LangueIntervenant.id")
    langue = relationship(Langue, lazy="joined")
    niveau_conversation = relationship(NiveauLangue, foreign_keys=[niveau_conversation_id], lazy="joined")
    niveau_animation = relationship(NiveauLangue, foreign_keys=[niveau_animation_id], lazy="joined")
    niveau_redaction = relationship(NiveauLangue, foreign_keys=[niveau_redaction_id], lazy="joined")
    __table_args__ = (sa.UniqueConstraint("intervenant_id", "langue_id"),)


def indexer_parcours(profil) -> None:
    """Gather the Parcours text searched by the CV-thèque."""
    parts = [profil.motivation, profil.autre_prestation]
    for r in profil.specialites_souhaitees:
        parts += [r.sous_specialite.libelle if r.sous_specialite else None, r.expertise, r.observations]
    for r in profil.experiences_formateur:
        parts += [r.contexte, r.libelle, r.public, r.organismes]
    for r in profil.actions_professionnalisation:
        parts += [r.libelle, r.organisme]
    for r in profil.experiences_professionnelles:
        parts += [r.employeur, r.fonction, r.missions, r.responsabilites]
    for r in profil.formations_suivies:
        parts += [r.nature, r.libelle, r.organisme]
    for r in profil.formations_initiales:
        parts += [r.titre, r.organisme]
    profil.texte_parcours = "\n".join(p for p in parts if p)


def synchroniser_specialites(profil) -> None:
    """Keep the link tables (searches, alerts) in step with the chosen rows."""
    sous = [r.sous_specialite for r in profil.specialites_souhaitees if r.sous_specialite]
    profil.sous_specialites = sous
    seen = {}
    for s in sous:
        seen.setdefault(s.specialite_id, s.specialite)
    profil.specialites = list(seen.values())


# --- page 2 as displayed ------------------------------------------------------

_TEXTES = 7  # text columns of the widest table (a formation initiale)


@functools.cache
def _tableaux() -> tuple[tuple[str, type, dict[str, sa.ColumnElement], list, bool], ...]:
    """Per collection of page 2: its model, the attributes the page shows
    (``relation.attribut`` for a referential's), the joins they need and
    whether the row has a file."""
    conversation, animation, redaction = (sa.orm.aliased(NiveauLangue) for _ in range(3))
    sous = SousSpecialite
    return (
        ("specialites_souhaitees", SpecialiteSouhaitee,
         {"sous_specialite.code": sous.code, "sous_specialite.libelle": sous.libelle,
          "expertise": SpecialiteSouhaitee.expertise, "observations": SpecialiteSouhaitee.observations},
         [(sous, sous.id == SpecialiteSouhaitee.sous_specialite_id)], False),
        ("experiences_formateur", ExperienceFormateur,
         {c: getattr(ExperienceFormateur, c) for c in ("contexte", "libelle", "public", "annees", "duree", "organismes")},
         [], False),
        ("actions_professionnalisation", ActionProfessionnalisation,
         {c: getattr(ActionProfessionnalisation, c) for c in ("libelle", "organisme", "duree", "annee")}, [], False),
        ("experiences_professionnelles", ExperienceProfessionnelle,
         {c: getattr(ExperienceProfessionnelle, c)
          for c in ("employeur", "fonction", "periode", "missions", "responsabilites")}, [], False),
        ("formations_suivies", FormationSuivie,
         {c: getattr(FormationSuivie, c) for c in ("nature", "libelle", "organisme", "duree", "annees")}, [], False),
        ("formations_initiales", FormationInitiale,
         {"niveau_diplome.libelle": NiveauDiplome.libelle, "titre": FormationInitiale.titre,
          "organisme": FormationInitiale.organisme, "annee": FormationInitiale.annee},
         [(NiveauDiplome, NiveauDiplome.id == FormationInitiale.niveau_diplome_id),
          (Fichier, Fichier.id == FormationInitiale.fichier_id)], True),
        ("langues", LangueIntervenant,
         {"langue.libelle": Langue.libelle, "niveau_conversation.libelle": conversation.libelle,
          "niveau_animation.libelle": animation.libelle, "niveau_redaction.libelle": redaction.libelle},
         [(Langue, Langue.id == LangueIntervenant.langue_id),
          (conversation, conversation.id == LangueIntervenant.niveau_conversation_id),
          (animation, animation.id == LangueIntervenant.niveau_animation_id),
          (redaction, redaction.id == LangueIntervenant.niveau_redaction_id)], False),
    )  # fmt: skip


def _ligne_affichee(noms, valeurs, fichier) -> SimpleNamespace:
    """A row with the attributes the page reads (a referential or the file
    as a nested object, None when absent, as the relation would be)."""
    attributs, relations = {}, {}
    for nom, valeur in zip(noms, valeurs, strict=False):
        relation, _, attribut = nom.rpartition(".")
        if relation:
            relations.setdefault(relation, {})[attribut] = valeur
        else:
            attributs[nom] = valeur
    for relation, valeurs_relation in relations.items():
        attributs[relation] = SimpleNamespace(**valeurs_relation) if any(v is not None for v in valeurs_relation.values()) else None
    attributs["fichier"] = SimpleNamespace(**fichier) if fichier["uuid"] is not None else None
    return SimpleNamespace(**attributs)


@functools.cache
def _requete_parcours() -> sa.Select:
    """The statement of ``parcours_affiche``, built once: seven branches with
    their joins are about 5,000 Python calls to build at each request."""
    branches = []
    for rang, (_, model, colonnes, joins, avec_fichier) in enumerate(_tableaux()):
        valeurs = list(colonnes.values()) + [sa.null()] * (_TEXTES - len(colonnes))
        textes = [sa.cast(v, sa.String).label(f"t{i}") for i, v in enumerate(valeurs)]
        fichier = (Fichier.uuid, Fichier.original_name, Fichier.created_at) if avec_fichier else (
            sa.cast(sa.null(), sa.Uuid), sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.DateTime))
        fichier = [c.label(nom) for c, nom in zip(fichier, ("f_uuid", "f_nom", "f_date"), strict=True)]
        stmt = sa.select(sa.literal(rang).label("rang"), model.id.label("id"), *textes, *fichier).select_from(model)
        for cible, condition in joins:
            stmt = stmt.outerjoin(cible, condition)
        branches.append(stmt.where(model.intervenant_id == sa.bindparam("intervenant_id")))
    requete = sa.union_all(*branches).subquery()
    return preparee(sa.select(requete).order_by(requete.c.rang, requete.c.id))


def parcours_affiche(intervenant_id: int) -> SimpleNamespace:
    """Page 2's seven tables (their rows in each collection's order) in one
    statement, for display only: loading the seven collections of the
    profile is seven statements (issue #6). A row has the attributes the page
    shows, and its id for the « Modifier » / « Supprimer » links."""
    tableaux = _tableaux()
    lignes = {nom: [] for nom, *_ in tableaux}
    for row in db.session.execute(_requete_parcours(), {"intervenant_id": intervenant_id}):
        nom, _, colonnes, _, _ = tableaux[row[0]]
        ligne = _ligne_affichee(list(colonnes), row[2:2 + _TEXTES],
                                {"uuid": row[-3], "original_name": row[-2], "created_at": row[-1]})
        ligne.id = row[1]
        lignes[nom].append(ligne)
    return SimpleNamespace(**lignes)


caches.declarer_requete("parcours.tableaux", _tableaux)


caches.declarer_requete("parcours.requete", _requete_parcours)
