"""The intervenant's profile: page 1 « Identification », page 2 « Parcours »,
its « Ajouter … » rows and the transmission of the inscription request.

The pages parse their forms into plain values; each function here is one
step they run through ``app.operations.executer`` (one transaction). What may
change is the inscription's ``verrouillage``; the transmission goes through
the inscription workflow.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.infra.uploads import PROFIL
from app.models.fichiers import effacer, store_upload
from app.models.parcours import indexer_parcours, synchroniser_specialites
from app.models.referentiels import (
    Departement,
    MethodePedagogique,
    NatureFormation,
    PrestationComplementaire,
    PublicFormation,
    Region,
)
from app.models.regles_profil import appliquer_statut, verrouillage
from app.workflows.core import Acteur, WorkflowError
from app.workflows.inscription import inscription

DOUBLON_LIGNE = "Cette valeur figure déjà dans votre parcours."


def enregistrer_identification(profil, champs: dict, oui_non: dict, regions: list[int],
                               departements: list[int]) -> None:
    """Page 1: ``champs`` (column → value) written unless locked, the yes/no
    answers always; the statut's consequences applied; régions and
    départements replaced."""
    for name, valeur in champs.items():
        if name not in verrouillage(profil).champs:
            setattr(profil, name, valeur)
    for name, valeur in oui_non.items():
        setattr(profil, name, valeur)
    if not profil.nom_usage:
        profil.nom_usage = profil.nom_naissance
    profil.adresse_pro_differente = bool(profil.adresse_pro_differente)
    if "statut_professionnel_id" not in verrouillage(profil).champs:
        appliquer_statut(profil)
    profil.regions = db.session.scalars(select(Region).where(Region.id.in_(regions or []))).all()
    profil.departements = db.session.scalars(select(Departement).where(Departement.id.in_(departements or []))).all()


def _remplacer_cv(profil, cv, supprimer: bool) -> None:
    """A new CV (an ``UploadError`` when refused) or none; the old file goes."""
    if cv and getattr(cv, "filename", ""):
        nouveau = store_upload(cv, owner_user_id=profil.user_id, sensitive=True, preset=PROFIL)
        ancien, profil.cv_fichier = profil.cv_fichier, nouveau
        effacer(ancien)
    elif supprimer:
        ancien, profil.cv_fichier = profil.cv_fichier, None
        effacer(ancien)


def enregistrer_parcours(profil, choix: dict[str, list[int]], champs: dict, cv=None, supprimer_cv: bool = False) -> None:
    """Page 2: the CV, the four multiple choices (``choix``: natures,
    publics, prestations, methodes → ids) and the other answers."""
    _remplacer_cv(profil, cv, supprimer_cv)
    for nom, modele in (("natures", NatureFormation), ("publics", PublicFormation),
                        ("prestations", PrestationComplementaire), ("methodes", MethodePedagogique)):
        setattr(profil, nom, db.session.scalars(select(modele).where(modele.id.in_(choix.get(nom) or []))).all())
    for name, valeur in champs.items():
        setattr(profil, name, valeur)
    indexer_parcours(profil)


def transmettre(profil, acteur: Acteur) -> None:
    """The inscription request « transmise » (the gestionnaires are told by
    app.notifications); the profile is locked."""
    inscription.apply(profil, "transmettre", acteur)


def decider(profil, evenement: str, acteur: Acteur, commentaire: str | None) -> None:
    """The structure's decision on the inscription request (valider, rejeter,
    demander un complément): the intervenant is e-mailed by app.notifications."""
    inscription.apply(profil, evenement, acteur, commentaire)


def enregistrer_ligne(profil, rubrique, ligne, valeurs: dict, *, unique: str | None = None, fichier=None):
    """A row of a « Ajouter … » sub-page, new (``ligne`` None) or edited.
    ``unique``: the column whose value appears once in the profile (refused
    with ``DOUBLON_LIGNE``); ``fichier``: the row's upload, if any."""
    if unique is not None:
        modele = rubrique.model
        doublon = db.session.scalar(select(modele.id).where(
            modele.intervenant_id == profil.id, getattr(modele, unique) == valeurs[unique],
            modele.id != (ligne.id if ligne else -1)))
        if doublon:
            raise WorkflowError(DOUBLON_LIGNE)
    if ligne is None:
        ligne = rubrique.model(intervenant_id=profil.id)
        getattr(profil, rubrique.collection).append(ligne)
    for name, valeur in valeurs.items():
        setattr(ligne, name, valeur)
    if fichier and getattr(fichier, "filename", ""):
        nouveau = store_upload(fichier, owner_user_id=profil.user_id, sensitive=True, preset=PROFIL)
        ancien, ligne.fichier = ligne.fichier, nouveau
        effacer(ancien)
    db.session.flush()
    if rubrique.slug == "specialites":
        db.session.refresh(ligne)
        synchroniser_specialites(profil)
    indexer_parcours(profil)
    return ligne


def supprimer_ligne(profil, rubrique, ligne) -> None:
    getattr(profil, rubrique.collection).remove(ligne)
    effacer(getattr(ligne, "fichier", None))
    db.session.flush()
    if rubrique.slug == "specialites":
        synchroniser_specialites(profil)
    indexer_parcours(profil)
