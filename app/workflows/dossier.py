"""A block of the dossier administratif (manual §3.3.4, issue 20).

vide | validé | refusé | à réviser → demandé (a gestionnaire's request);
vide | demandé | refusé | à réviser | validé → transmis (the trainer);
transmis → validé | refusé (reason required) by staff of a structure that
asked for the dossier and reads it, or a national admin; validé → à réviser (yearly
revision, system); validé → demandé (identity document expired, system).
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select, union

from app.extensions import db
from app.models import base
from app.models.dossier import LIBELLES_ETAT_BLOC, DemandeDossier, DossierAdministratif
from app.models.dossier import EtatBloc as E
from app.models.interventions import EtatIntervention, Intervention
from app.security.roles import INTERVENANT, NATIONAL, PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.core import SYSTEME, Acteur, Transition, Workflow


# -- need-to-know --------------------------------------------------------------
def condition_acces(intervenant_id, structure_id):
    """THE rule, as SQL: a structure reads a trainer's dossier while it works
    with them: an intervention of that structure (a lettre de demande belongs
    to one) that is not cancelled, or the trainer's transmission in answer to
    that structure's request (their consent, ``DemandeDossier.date_reponse``).
    A request alone gives nothing, nor does a cancelled intervention (else a
    structure could open a dossier by creating one and keep it open by
    cancelling it). Every read path asks it through ``structure_a_acces``."""
    intervention = exists().where(Intervention.intervenant_id == intervenant_id,
                                  Intervention.structure_id == structure_id,
                                  Intervention.etat != EtatIntervention.annulee)
    reponse = exists().where(DemandeDossier.dossier_id == DossierAdministratif.id,
                             DossierAdministratif.intervenant_id == intervenant_id,
                             DemandeDossier.structure_id == structure_id,
                             DemandeDossier.date_reponse.is_not(None))
    return or_(intervention, reponse)


def structure_a_acces(intervenant_id: int, structure_id: int | None) -> bool:
    """Does ``structure_id`` work with this trainer (``condition_acces``)?"""
    if structure_id is None:
        return False
    return bool(db.session.scalar(select(condition_acces(intervenant_id, structure_id))))


def structures_avec_acces(intervenant_id: int) -> set[int]:
    """The structures reading this trainer's dossier now (one statement)."""
    return set(db.session.scalars(union(
        select(Intervention.structure_id).where(Intervention.intervenant_id == intervenant_id,
                                                Intervention.etat != EtatIntervention.annulee),
        select(DemandeDossier.structure_id).join(
            DossierAdministratif, DossierAdministratif.id == DemandeDossier.dossier_id).where(
            DossierAdministratif.intervenant_id == intervenant_id, DemandeDossier.date_reponse.is_not(None)),
    )))


def acces_acteur(intervenant_id: int, acteur: Acteur) -> bool:
    """May this staff actor read the dossier? National roles: every dossier;
    a gestionnaire: per ``condition_acces``; anybody else: no."""
    if not acteur.roles & PERSONNEL:
        return False
    return perimetre_de(acteur).couvre_selon(lambda mienne: structure_a_acces(intervenant_id, mienne))


def structure_a_demande(dossier_id: int, acteur: Acteur) -> bool:
    """Has the actor's structure made a request on this dossier (answered
    or not)? Its review of a block needs it."""
    return perimetre_de(acteur).couvre_selon(lambda mienne: db.session.scalar(select(exists().where(
        DemandeDossier.dossier_id == dossier_id, DemandeDossier.structure_id == mienne))))


def _titulaire(obj, actor: Acteur):
    if INTERVENANT in actor.roles and obj.dossier.intervenant.user_id != actor.user_id:
        return "Ce dossier ne vous appartient pas."
    return None


def _structure_demandeuse(obj, actor: Acteur):
    """Staff review a block only when their structure asked for the dossier
    and reads it (``acces_acteur``: a request alone opens nothing)."""
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
