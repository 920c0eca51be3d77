"""Interventions and lettres de demande: a validated person with a dossier,
an intervention, a lettre generated and sent, and an API bearer token."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.dossier import Bloc, EtatBloc
from app.models.interventions import Intervention, ModeRemuneration, TypeLettre
from app.operations.dossier import dossier_de
from app.operations.interventions import generer_lettre
from app.workflows.core import Acteur
from app.workflows.intervention import lettre as wf_lettre
from tests.conftest import PASSWORD, code_totp, enroler


def _personne(factory, *, code="DR-84", valider=(*Bloc,), last="Cœur", first="Éloïse"):
    user, profil = factory.intervenant(code, last=last, first=first)
    profil.etat_inscription = EtatInscription.validee
    profil.adresse_voie, profil.code_postal, profil.localite = "3 allée des Œillets", "42000", "Saint-Étienne"
    dossier = dossier_de(profil, creer=True)
    for ligne in dossier.blocs:
        ligne.etat = EtatBloc.valide if Bloc(ligne.bloc) in valider else EtatBloc.transmis
    db.session.commit()
    return user, profil


def _intervention(factory, profil, code="DR-84"):
    ligne = Intervention(intervenant_id=profil.id, structure_id=factory.structure(code).id,
                         intitule="Management de projet – niveau 2", date_debut=date(2027, 3, 8),
                         date_fin=date(2027, 3, 10), duree_jours=Decimal("2.5"), lieu="Saint-Étienne (Loire)")
    db.session.add(ligne)
    db.session.commit()
    return ligne


def _generer(gestionnaire, intervention, **autres):
    valeurs = {"type_lettre": TypeLettre.intervention, "mode_remuneration": ModeRemuneration.horaire,
               "taux": Decimal("1234.5"), "quantite": Decimal("17.5"), "date_lettre": date(2027, 2, 1), **autres}
    return generer_lettre(intervention, Acteur.from_user(gestionnaire), **valeurs)


def lettre_envoyee(factory, code="DR-84"):
    """A validated intervenant, its intervention and its lettre, sent (a real PDF)."""
    gestionnaire = factory.gestionnaire(code)
    user, profil = _personne(factory, code=code)
    lettre = _generer(gestionnaire, _intervention(factory, profil, code))
    wf_lettre.apply(lettre, "envoyer", Acteur.from_user(gestionnaire))
    db.session.commit()
    return gestionnaire, user, lettre


def jeton(client, user) -> dict:
    """A bearer token by the real API login (staff: password and TOTP code)."""
    enroler(user)
    reponse = client.post("/api/v1/security/login", json={
        "username": user.email, "password": PASSWORD, "provider": "db", "totp": code_totp()})
    assert reponse.status_code == 200, reponse.get_json()
    return {"Authorization": f"Bearer {reponse.get_json()['access_token']}"}
