"""Demo dossiers administratifs (issue 20): validated intervenants whose
blocks are in each state (demandé, transmis, validé, refusé, à réviser).
Idempotent: an intervenant who has a dossier is left as is."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription, Intervenant
from app.models.dossier import Bloc
from app.operations.dossier import demander, dossier_de, examiner, transmettre
from app.security.scope import structure_id_of_user
from app.workflows.core import Acteur
from app.workflows.dossier import bloc_dossier

#: (blocks requested, transmitted, then the decisions) per demo intervenant.
SCENARIOS = [
    ([Bloc.identite, Bloc.bancaire], [], {}),
    ([Bloc.identite, Bloc.securite_sociale, Bloc.bancaire], [Bloc.identite, Bloc.securite_sociale, Bloc.bancaire], {}),
    ([Bloc.identite, Bloc.bancaire, Bloc.diplome], [Bloc.identite, Bloc.bancaire, Bloc.diplome],
     {Bloc.identite: ("valider", None), Bloc.bancaire: ("valider", None),
      Bloc.diplome: ("refuser", "Le diplôme déposé est illisible : merci de le numériser à nouveau.")}),
    ([Bloc.statut], [Bloc.statut], {Bloc.statut: ("valider", None)}),
]


def load_demo_dossiers(gestionnaires: dict) -> None:
    valides = db.session.scalars(select(Intervenant).where(
        Intervenant.etat_inscription == EtatInscription.validee).order_by(Intervenant.id).limit(len(SCENARIOS))).all()
    for n, (profil, (demandes, transmis, decisions)) in enumerate(zip(valides, SCENARIOS, strict=False)):
        if dossier_de(profil) is not None:
            continue
        gestionnaire = next(u for u in gestionnaires.values() if structure_id_of_user(u.id) == profil.structure_id) \
            if any(structure_id_of_user(u.id) == profil.structure_id for u in gestionnaires.values()) \
            else next(iter(gestionnaires.values()))
        acteur = Acteur.from_user(gestionnaire)
        demander(profil, demandes, acteur, structure_id_of_user(gestionnaire.id))
        dossier = dossier_de(profil)
        if transmis:
            transmettre(dossier, transmis, Acteur.from_user(profil.user))
        if decisions:
            examiner(dossier, decisions, acteur)
        if n == len(SCENARIOS) - 1:  # the yearly revision
            bloc_dossier.apply(dossier.bloc(Bloc.statut), "reviser", Acteur.systeme(), "Révision annuelle")
        db.session.commit()
