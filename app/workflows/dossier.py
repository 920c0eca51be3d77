"""A block of the dossier administratif (manual §3.3.4, issue 20).

vide | validé | refusé | à réviser → demandé (a gestionnaire's request);
vide | demandé | refusé | à réviser | validé → transmis (the trainer);
transmis → validé | refusé (reason required) by staff of a structure that
asked for the dossier and reads it, or a national admin; validé → à réviser (yearly
revision, system); validé → demandé (identity document expired, system).
"""

from __future__ import annotations

from app.models import base
from app.models.dossier import LIBELLES_ETAT_BLOC
from app.models.dossier import EtatBloc as E
from app.security.roles import INTERVENANT, NATIONAL, PERSONNEL
from app.workflows.core import SYSTEME, Acteur, Transition, Workflow


def _titulaire(obj, actor: Acteur):
    if INTERVENANT in actor.roles and obj.dossier.intervenant.user_id != actor.user_id:
        return "Ce dossier ne vous appartient pas."
    return None


def _structure_demandeuse(obj, actor: Acteur):
    """Staff review a block only when their structure asked for the dossier
    and reads it (``app.operations.dossier.acces_acteur``: a request alone opens nothing)."""
    from app.operations.dossier import acces_acteur, structure_a_demande

    if actor.roles & NATIONAL:
        return None
    if not structure_a_demande(obj.dossier_id, actor):
        return "Votre structure n'a pas fait de demande sur ce dossier."
    if not acces_acteur(obj.dossier.intervenant_id, actor):
        return "Votre structure n'a pas accès à ce dossier."
    return None


def _demande(obj, actor: Acteur) -> None:
    obj.date_demande = base.utcnow()


def _transmis(obj, actor: Acteur) -> None:
    obj.date_transmission = base.utcnow()
    obj.modifie = False
    obj.motif_refus = None


def _decide(obj, actor: Acteur) -> None:
    obj.date_decision = base.utcnow()
    obj.rappel_revision = False


def _refuse(obj, actor: Acteur) -> None:
    _decide(obj, actor)


def _t(source, event, target, roles, label, *, guards=(), effects=(), comment_required=False):
    return Transition(source, event, target, frozenset(roles), label, tuple(guards),
                      comment_required=comment_required, effects=tuple(effects))


bloc_dossier = Workflow(
    "bloc_dossier",
    titre="Dossier administratif (blocs)",
    state_enum=E,
    state_attr="etat",
    libelles=LIBELLES_ETAT_BLOC,
    transitions=[
        *(_t(source, "demander", E.demande, PERSONNEL, "Demander", effects=(_demande,))
          for source in (E.vide, E.valide, E.refuse, E.a_reviser)),
        *(_t(source, "transmettre", E.transmis, {INTERVENANT}, "Transmettre", guards=(_titulaire,),
             effects=(_transmis,))
          for source in (E.vide, E.demande, E.refuse, E.a_reviser, E.valide)),
        _t(E.transmis, "valider", E.valide, PERSONNEL, "Valider", guards=(_structure_demandeuse,),
           effects=(_decide,)),
        _t(E.transmis, "refuser", E.refuse, PERSONNEL, "Refuser", guards=(_structure_demandeuse,),
           effects=(_refuse,), comment_required=True),
        _t(E.valide, "reviser", E.a_reviser, {SYSTEME}, "Révision annuelle"),
        _t(E.valide, "expirer", E.demande, {SYSTEME}, "Document d'identité expiré", effects=(_demande,)),
    ],
)
