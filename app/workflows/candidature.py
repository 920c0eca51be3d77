"""Processing of a candidature (manual §4.2): déposée → étudiée | non retenue,
by staff of the structure that published the annonce. The intervenant is told
by e-mail (app.notifications.annonces)."""

from __future__ import annotations

from app.models.annonces import LIBELLES_ETAT_CANDIDATURE
from app.models.annonces import EtatCandidatureAnnonce as E
from app.security.roles import PERSONNEL
from app.workflows.annonce import meme_structure
from app.workflows.core import Acteur, Transition, Workflow


def _structure(obj, actor: Acteur):
    return meme_structure(obj.annonce.structure_id, actor)


candidature = Workflow(
    "candidature",
    titre="Candidatures",
    state_enum=E,
    deja_traitee="Cette candidature a déjà été traitée entre-temps",
    state_attr="etat",
    libelles=LIBELLES_ETAT_CANDIDATURE,
    transitions=[
        Transition(E.deposee, "etudier", E.etudiee, PERSONNEL, "Marquer étudiée", (_structure,)),
        Transition(E.deposee, "ne_pas_retenir", E.non_retenue, PERSONNEL, "Non retenue", (_structure,)),
        Transition(E.etudiee, "ne_pas_retenir", E.non_retenue, PERSONNEL, "Non retenue", (_structure,)),
    ],
)
