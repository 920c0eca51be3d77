"""Inscription of an intervenant (manual §3.1.2–§3.3.2).

brouillon → transmise → validée | rejetée | complément demandé;
complément demandé → transmise; complément demandé → archivée (job after two
months without action); rejetée → transmise only one year after the first
analysis.
"""

from __future__ import annotations

from datetime import timedelta

from app.models.base import utcnow
from app.models.comptes import LIBELLES_ETAT_INSCRIPTION
from app.models.comptes import EtatInscription as E
from app.security.roles import ADMIN_NATIONAL, GESTIONNAIRE, INTERVENANT
from app.workflows.core import SYSTEME, Acteur, Transition, Workflow

DELAI_NOUVELLE_DEMANDE = timedelta(days=365)


def _owner(obj, actor: Acteur):
    if INTERVENANT in actor.roles and obj.user_id != actor.user_id:
        return "Cette demande d'inscription ne vous appartient pas."
    return None


def _same_structure(obj, actor: Acteur):
    """A gestionnaire only acts on requests addressed to their structure."""
    if GESTIONNAIRE in actor.roles and not (actor.roles & {ADMIN_NATIONAL, "Admin"}):
        from app.security.scope import structure_id_of_user

        if structure_id_of_user(actor.user_id) != obj.structure_id:
            return "Cette demande est adressée à une autre structure."
    return None


def _one_year_after_first_analysis(obj, actor: Acteur):
    if obj.date_premiere_analyse is None:
        return None
    possible_from = obj.date_premiere_analyse + DELAI_NOUVELLE_DEMANDE
    if utcnow() < possible_from:
        return (
            "Votre demande a été rejetée : vous pourrez transmettre une nouvelle demande "
            f"à partir du {possible_from:%d/%m/%Y}."
        )
    return None


def _mark_transmitted(obj, actor: Acteur) -> None:
    obj.date_transmission = utcnow()


def _mark_analysed(obj, actor: Acteur) -> None:
    """The one-year rule counts from the first analysis, not the latest."""
    if obj.date_premiere_analyse is None:
        obj.date_premiere_analyse = utcnow()


STAFF = frozenset({GESTIONNAIRE, ADMIN_NATIONAL, "Admin"})
OWNER = frozenset({INTERVENANT})

inscription = Workflow(
    "inscription",
    state_enum=E,
    state_attr="etat_inscription",
    libelles=LIBELLES_ETAT_INSCRIPTION,
    transitions=[
        Transition(E.brouillon, "transmettre", E.transmise, OWNER, "Transmettre", (_owner,),
                   effects=(_mark_transmitted,)),
        Transition(E.complement_demande, "transmettre", E.transmise, OWNER, "Transmettre", (_owner,),
                   effects=(_mark_transmitted,)),
        Transition(
            E.rejetee, "transmettre", E.transmise, OWNER, "Transmettre",
            (_owner, _one_year_after_first_analysis), effects=(_mark_transmitted,),
        ),
        Transition(E.transmise, "valider", E.validee, STAFF, "Valider", (_same_structure,),
                   effects=(_mark_analysed,)),
        Transition(
            E.transmise, "rejeter", E.rejetee, STAFF, "Rejeter", (_same_structure,), comment_required=True,
            effects=(_mark_analysed,),
        ),
        Transition(
            E.transmise, "demander_complement", E.complement_demande, STAFF,
            "Demander un complément", (_same_structure,), comment_required=True, effects=(_mark_analysed,),
        ),
        Transition(
            E.complement_demande, "archiver", E.archivee, frozenset({SYSTEME}),
            "Archiver (sans action depuis 2 mois)",
        ),
    ],
)
