"""Suggestions: a trainer with given sous-spécialités, zone and CV text."""

from __future__ import annotations

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.referentiels import Departement, Region, SousSpecialite, Specialite
from tests.outils.annonces import ref


def formateur(factory, *, sous=("FI1",), specialites=None, regions=("84",), departements=(),
              etat=EtatInscription.validee, texte=None, structure="DR-84", **kw):
    """A trainer with these sous-spécialités (their spécialités follow, as
    the profile's save keeps them) and this zone."""
    user, profil = factory.intervenant(structure, **kw)
    profil.etat_inscription = etat
    profil.sous_specialites = [ref(SousSpecialite, c) for c in sous]
    codes = specialites if specialites is not None else sorted({c[:2] for c in sous})
    profil.specialites = [ref(Specialite, c) for c in codes]
    profil.regions = [ref(Region, c) for c in regions]
    profil.departements = [ref(Departement, c) for c in departements]
    profil.texte_parcours = texte
    db.session.commit()
    return user, profil
