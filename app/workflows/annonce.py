"""Publication of an annonce (manual §4): brouillon → publiée → clôturée,
publiée ↔ dépubliée. Only staff of the annonce's structure (or national
administrators) act; publishing sends the signal the alert fan-out listens to.
"""

from __future__ import annotations

from app.models.annonces import LIBELLES_ETAT_ANNONCE
from app.models.annonces import EtatAnnonce as E
from app.models.base import utcnow
from app.security.roles import PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.core import Acteur, Transition, Workflow


def meme_structure(structure_id: int, actor: Acteur) -> str | None:
    """A gestionnaire acts only on rows of their structure; national roles on all."""
    if not perimetre_de(actor).couvre(structure_id):
        return "Cette annonce a été publiée par une autre structure."
    return None


def _structure(obj, actor: Acteur):
    return meme_structure(obj.structure_id, actor)


def _date_limite_non_depassee(obj, actor: Acteur):
    if obj.date_limite < utcnow().date():
        return "La date limite de candidature est dépassée : modifiez-la avant de publier l'annonce."
    return None


def _horodater(obj, actor: Acteur) -> None:
    obj.date_publication = utcnow()


annonce = Workflow(
    "annonce",
    titre="Annonces",
    state_enum=E,
    deja_traitee="Cette annonce a déjà été modifiée entre-temps",
    state_attr="etat",
    libelles=LIBELLES_ETAT_ANNONCE,
    transitions=[
        Transition(E.brouillon, "publier", E.publiee, PERSONNEL, "Publier",
                   (_structure, _date_limite_non_depassee), effects=(_horodater,)),
        Transition(E.depubliee, "publier", E.publiee, PERSONNEL, "Publier",
                   (_structure, _date_limite_non_depassee), effects=(_horodater,)),
        Transition(E.publiee, "depublier", E.depubliee, PERSONNEL, "Dépublier", (_structure,)),
        Transition(E.publiee, "cloturer", E.cloturee, PERSONNEL, "Clôturer", (_structure,)),
        Transition(E.depubliee, "cloturer", E.cloturee, PERSONNEL, "Clôturer", (_structure,)),
    ],
)
