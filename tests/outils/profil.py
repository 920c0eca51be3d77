"""Intervenants' profiles: a validated intervenant (CV-thèque, candidatures), page 1's form data, a CV sent."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.referentiels import CodePostal, Pays, Region, StatutProfessionnel, Structure
from tests.conftest import csrf_token_from


def intervenant_valide(factory, structure="DR-84", **kw):
    user, profil = factory.intervenant(structure, **kw)
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    return user, profil


def valide(factory, structure="DR-84", texte="", region_code="93", etranger=None, specialite=None):
    user, profil = factory.intervenant(structure)
    # Test data set-up: the state is written directly (no workflow under test here).
    profil.etat_inscription = EtatInscription.validee
    profil.texte_parcours = texte
    profil.disponible_etranger = etranger
    profil.regions = [db.session.scalar(select(Region).where(Region.code == region_code))]
    if specialite is not None:
        profil.specialites = [specialite]
    db.session.commit()
    return profil


def _id(model, **where):
    return db.session.scalar(select(model.id).filter_by(**where).limit(1))


def identification_data(client, **overrides):
    page = client.get("/profil/identification")
    assert page.status_code == 200
    region = db.session.scalar(select(Region).where(Region.code == "93"))
    cp = db.session.scalar(select(CodePostal).where(CodePostal.code_postal == "84000").limit(1))
    sans_employeur = db.session.scalar(
        select(StatutProfessionnel.id).where(StatutProfessionnel.type_employeur.is_(None)).limit(1)
    )
    data = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "civilite": "Mme",
        "nom_naissance": "Durand",
        "nom_usage": "Durand",
        "prenom": "Claire",
        "date_naissance": "1980-05-17",
        "lieu_naissance": "Avignon",
        "nationalite_id": str(_id(Pays, code="FR")),
        "adresse_voie": "1 rue de la République",
        "pays_residence_id": str(_id(Pays, code="FR")),
        "code_postal": cp.code_postal if cp else "84000",
        "localite": "Avignon",
        "telephone_personnel": "04 90 00 00 00",
        "statut_professionnel_id": str(sans_employeur),
        "regions": [str(region.id)],
        "structure_id": str(_id(Structure, code="DR-84")),
        "disponible_etranger": "non",
        "enregistrer": "Enregistrer",
    }
    data.update(overrides)
    return data


def _envoyer_cv(client, contenu: bytes):
    token = csrf_token_from(client.get("/profil/parcours").get_data(as_text=True))
    return client.post(
        "/profil/parcours",
        data={"csrf_token": token, "enregistrer": "x", "cv": (BytesIO(contenu), "cv.txt")},
        content_type="multipart/form-data",
    )
