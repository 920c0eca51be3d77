"""Support requests « Aide et contact » (manual §6): à confirmer → à traiter
(the anonymous requester's e-mail link, or at once when signed in); the
handler answers and closes (« clôturée ») or asks for more information
(« complément demandé »); the requester's reply puts the request back to the
handler; 30 days without reply close it (job, ``app.jobs.support``).

Handlers: the gestionnaires of the addressed structure, national roles for
every request (those addressed to « Administrateur national » included).
"""

from __future__ import annotations

from app.models.base import utcnow
from app.models.support import LIBELLES_ETAT_SUPPORT
from app.models.support import EtatDemandeSupport as E
from app.security.roles import PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.core import SYSTEME, Acteur, Transition, Workflow

#: Pseudo-role of the holder of a request's link (anonymous requester).
LIEN = "Demandeur"


def demandeur(user_id: int | None = None) -> Acteur:
    """The requester as a workflow actor (the e-mail link's holder)."""
    return Acteur(user_id, frozenset({LIEN}))


def _destinataire(obj, actor: Acteur) -> str | None:
    """Requests addressed to « Administrateur national » are national roles'
    alone; a gestionnaire handles those of their structure."""
    if perimetre_de(actor).couvre(obj.structure_id):
        return None
    return "Cette demande de support est adressée à une autre structure."


def _transmise(obj, actor: Acteur) -> None:
    obj.transmise_le = utcnow()
    obj.jeton_hash = None
    obj.jeton_expire_le = None


def _complement(obj, actor: Acteur) -> None:
    obj.date_complement_demande = utcnow()


def _complement_recu(obj, actor: Acteur) -> None:
    obj.date_complement_demande = None


REQUERANT = frozenset({LIEN})
SYSTEME_SEUL = frozenset({SYSTEME})

support = Workflow(
    "support",
    titre="Demandes de support",
    state_enum=E,
    state_attr="etat",
    libelles=LIBELLES_ETAT_SUPPORT,
    transitions=[
        Transition(E.a_confirmer, "confirmer", E.nouvelle, REQUERANT, "Confirmer la demande", effects=(_transmise,)),
        Transition(E.nouvelle, "cloturer", E.cloturee, PERSONNEL, "Répondre et clôturer", (_destinataire,),
                   comment_required=True),
        Transition(E.nouvelle, "demander_complement", E.complement_demande, PERSONNEL,
                   "Répondre et demander un complément", (_destinataire,), comment_required=True,
                   effects=(_complement,)),
        Transition(E.complement_demande, "cloturer", E.cloturee, PERSONNEL, "Répondre et clôturer", (_destinataire,),
                   comment_required=True, effects=(_complement_recu,)),
        Transition(E.complement_demande, "completer", E.nouvelle, REQUERANT, "Répondre",
                   comment_required=True, effects=(_complement_recu,)),
        Transition(E.complement_demande, "cloturer_sans_reponse", E.cloturee, SYSTEME_SEUL,
                   "Clôture automatique (30 jours sans réponse)", effects=(_complement_recu,)),
    ],
)

#: Staff answers: event → label of its button.
REPONSES = {"demander_complement": "Répondre et demander un complément", "cloturer": "Répondre et clôturer"}
