"""Demo annonces, candidatures and news (issue #5), idempotent.

Annonces are published, unpublished and closed through the annonce workflow
(real histories, alerts recorded); candidatures come from the validated demo
intervenants and some are processed through the candidature workflow.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models.annonces import Annonce, Candidature, EtatAnnonce
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.contenus import Actualite
from app.models.referentiels import NatureFormation, Pays, Specialite, Structure
from app.workflows.annonce import annonce as workflow_annonce
from app.workflows.candidature import candidature as workflow_candidature
from app.workflows.core import Acteur

INTITULES = [
    ("Le développement durable dans la gestion et la vie des bibliothèques", "personnels des bibliothèques"),
    ("Manager une équipe en période de transformation", "encadrants de proximité"),
    ("Les élections départementales et régionales", "agents des services élections"),
    ("Prévention des risques psychosociaux", "encadrants et assistants de prévention"),
    ("Accueil du public en situation de handicap", "agents d'accueil"),
    ("Marchés publics : rédiger un cahier des charges", "acheteurs publics"),
    ("Conduite de projet numérique", "chefs de projet"),
    ("Hygiène alimentaire en restauration collective", "agents de restauration scolaire"),
    ("Gestion budgétaire et comptable M57", "gestionnaires financiers"),
    ("Animer une réunion participative", "tous publics territoriaux"),
]

ACTUALITES = [
    ("Former autrement", date(2018, 3, 2),
     "Le document « Former autrement » accompagne les intervenants dans les nouvelles modalités pédagogiques.",
     "Le document **Former autrement** a pour objectif d'accompagner les intervenants dans le développement "
     "des nouvelles modalités pédagogiques développées par le CNFPT dans le cadre de la recomposition "
     "pédagogique de son offre de service."),
    ("De nouvelles fonctionnalités", date(2018, 3, 2),
     "L'espace intervenants accueille de nouvelles fonctionnalités, notamment un encart d'actualités.",
     "L'espace intervenants accueille de nouvelles fonctionnalités :\n\n- un encart « Informations Espace "
     "Intervenants » permettant de publier des actualités ;\n- des alertes e-mail lors de la publication d'annonces."),
    ("Votre dossier administratif : la dématérialisation de vos données et documents", date(2022, 6, 1),
     "Vous intervenez pour la délégation Nouvelle-Aquitaine ? L'Espace Intervenants s'enrichit du dossier "
     "administratif dématérialisé.",
     "Le CNFPT poursuit sa démarche de simplification de la gestion administrative et de sécurisation des "
     "données.\n\nLes documents nécessaires à la constitution de votre dossier sont à déposer au format "
     "numérique sur votre espace intervenant."),
    ("Mise à jour 2023 : formulaire numérisé de frais de déplacement", date(2023, 2, 27),
     "Dans le cadre de la simplification des démarches, un nouveau formulaire numéroté réceptionne les frais "
     "de déplacement.",
     "Dans le cadre de la simplification et de la sécurisation des démarches, le CNFPT a déployé un nouveau "
     "formulaire **numéroté** pour réceptionner les frais de déplacement des intervenants."),
]

#: Final state of the n-th annonce of a structure.
ETATS = ["publiee", "publiee", "publiee", "publiee", "brouillon", "depubliee", "cloturee"]
EVENEMENTS = {"brouillon": [], "publiee": ["publier"], "depubliee": ["publier", "depublier"],
              "cloturee": ["publier", "cloturer"]}
DEMO_CONTACT = "@demo.espace-intervenants.fr"


def load_demo_annonces(rng: random.Random, gestionnaires: dict) -> None:
    """``gestionnaires``: structure code → gestionnaire login user."""
    _actualites()
    if db.session.scalar(select(Annonce.id).where(Annonce.contact_email.like(f"%{DEMO_CONTACT}")).limit(1)):
        return
    specialites = db.session.scalars(select(Specialite).where(Specialite.actif.is_(True))).all()
    natures = db.session.scalars(select(NatureFormation)).all()
    france = db.session.scalar(select(Pays).where(Pays.code == "FR"))
    today = utcnow().date()
    publiees = []
    for code, user in gestionnaires.items():
        structure = db.session.scalar(select(Structure).where(Structure.code == code))
        acteur = Acteur.from_user(user)
        for n in range(len(ETATS)):
            intitule, public = INTITULES[(n * 3 + len(code)) % len(INTITULES)]
            specialite = rng.choice(specialites)
            debut = today + timedelta(days=30 + rng.randrange(120))
            annonce = Annonce(
                intitule=intitule,
                description=f"La structure recherche un intervenant pour la session « {intitule} ».",
                profil_recherche="Formateur expérimenté, connaissance du secteur public local.",
                contexte=rng.choice(["présentiel", "à distance", "présentiel et à distance"]),
                public_vise=public,
                nature_formation=rng.choice(natures) if natures else None,
                duree_jours=Decimal(rng.choice(["1", "1.5", "2", "2.5", "3", "5"])),
                date_debut=debut,
                date_fin=debut + timedelta(days=rng.randrange(1, 60)),
                date_limite=debut - timedelta(days=10 + rng.randrange(10)),
                pays=france,
                contact_nom=f"{user.first_name} {user.last_name}",
                contact_telephone=f"01 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                contact_email=user.email if user.email.endswith(DEMO_CONTACT) else f"contact{DEMO_CONTACT}",
                urgent=n == 0,
                structure=structure,
            )
            annonce.specialites = [specialite]
            annonce.sous_specialites = list(specialite.sous_specialites[:1])
            annonce.regions = list(structure.regions[:1])
            annonce.departements = list(structure.regions[0].departements[:1]) if structure.regions else []
            db.session.add(annonce)
            db.session.flush()
            etat = ETATS[n % len(ETATS)]
            for event in EVENEMENTS[etat]:
                workflow_annonce.apply(annonce, event, acteur)
            if annonce.etat == EtatAnnonce.publiee:
                publiees.append((annonce, acteur))
        db.session.commit()
    _candidatures(rng, publiees)


def _candidatures(rng: random.Random, publiees) -> None:
    valides = db.session.scalars(
        select(Intervenant).where(Intervenant.etat_inscription == EtatInscription.validee)
    ).all()
    for index, (annonce, acteur) in enumerate(publiees[:8]):
        for intervenant in rng.sample(valides, min(2, len(valides))):
            candidature = Candidature(
                annonce_id=annonce.id, intervenant_id=intervenant.id,
                commentaire="Forte expérience de ce type d'intervention, disponible sur toute la période.",
            )
            db.session.add(candidature)
            db.session.flush()
            if index % 3 == 1:
                workflow_candidature.apply(candidature, "etudier", acteur)
            elif index % 3 == 2:
                workflow_candidature.apply(candidature, "ne_pas_retenir", acteur)
    db.session.commit()


def _actualites() -> None:
    existing = set(db.session.scalars(select(Actualite.titre)))
    for titre, publication, resume, corps in ACTUALITES:
        if titre not in existing:
            db.session.add(Actualite(titre=titre, date_publication=publication, resume=resume, corps=corps))
    db.session.commit()
