"""Operations on interventions and lettres de demande (issue 23): what views,
the API and jobs call. States change only through ``app.workflows.intervention``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.interventions import (
    LETTRE_PROGRAMMEE_OU_EN_COURS,
    EtatIntervention,
    Immatriculation,
    Intervention,
    LettreDemande,
)
from app.models.regles_interventions import erreurs_intervention
from app.security.scope import perimetre_de
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite, WorkflowError


# -- « Me désinscrire » (manual §9) ---------------------------------------------
@dataclass(frozen=True)
class SituationDesinscription:
    """What the unregistration rule needs to know about a person."""

    #: A lettre de demande « programmée » (envoyée or acceptée) or « en cours
    #: d'exécution »: unregistering is refused (manual §9.3).
    lettre_en_cours: bool
    #: End of the person's last intervention that was not cancelled (None:
    #: never intervened): archived until five years after it (manual §9.2).
    fin_derniere_intervention: date | None


def situation_desinscription(intervenant_id: int) -> SituationDesinscription:
    """The two facts of the unregistration rule, in one statement."""
    lettre = sa.exists().where(
        LettreDemande.intervention_id == Intervention.id,
        Intervention.intervenant_id == intervenant_id,
        LettreDemande.etat.in_(LETTRE_PROGRAMMEE_OU_EN_COURS),
    )
    fin = (
        sa.select(sa.func.max(Intervention.date_fin))
        .where(Intervention.intervenant_id == intervenant_id, Intervention.etat != EtatIntervention.annulee)
        .scalar_subquery()
    )
    ligne = db.session.execute(sa.select(lettre.label("lettre"), fin.label("fin"))).one()
    return SituationDesinscription(lettre_en_cours=bool(ligne.lettre), fin_derniere_intervention=ligne.fin)


# -- immatriculation -------------------------------------------------------------
PREFIXE_IMMATRICULATION = "IMM"


def attribuer_immatriculation(intervenant: Intervenant) -> str:
    """The intervenant's immatriculation, given now if it has none (first
    intervention), never changed afterwards.

    The number comes from the ``immatriculation`` row's id (the database's
    counter: unique and never reused). Two first interventions at the same
    time: the unique ``intervenant_id`` lets one insert win; the other, in its
    savepoint, reads the winner's number.
    """
    if intervenant.immatriculation:
        return intervenant.immatriculation
    try:
        with db.session.begin_nested():
            ligne = Immatriculation(intervenant_id=intervenant.id, attribuee_le=utcnow())
            db.session.add(ligne)
            db.session.flush()
            ligne.numero = f"{PREFIXE_IMMATRICULATION}{ligne.id:07d}"
            db.session.flush()
    except sa.exc.IntegrityError:
        numero = db.session.scalar(sa.select(Immatriculation.numero).where(
            Immatriculation.intervenant_id == intervenant.id))
    else:
        numero = ligne.numero
    # Conditional: a number already on the profile (given elsewhere) stays.
    db.session.execute(
        sa.update(Intervenant)
        .where(Intervenant.id == intervenant.id, Intervenant.immatriculation.is_(None))
        .values(immatriculation=numero)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(intervenant, ["immatriculation"])
    return intervenant.immatriculation


# -- interventions ---------------------------------------------------------------
class DonneesInvalides(WorkflowError):
    """Refused input: ``erreurs`` maps each field to its French message."""

    def __init__(self, erreurs: dict[str, str]):
        super().__init__(" ".join(erreurs.values()))
        self.erreurs = erreurs


def creer_intervention(intervenant: Intervenant, structure_id: int, acteur: Acteur, **champs) -> Intervention:
    """A new intervention « prévue » of ``intervenant`` for ``structure_id``
    (within the actor's scope); the first one gives the immatriculation."""
    if not perimetre_de(acteur).couvre(structure_id):
        raise GardeRefusee("Vous ne pouvez créer une intervention que pour votre structure.")
    if intervenant.etat_inscription != EtatInscription.validee:
        raise DonneesInvalides({"intervenant_id": "L'intervenant doit avoir une inscription validée."})
    erreurs = erreurs_intervention(champs.get("date_debut"), champs.get("date_fin"), champs.get("duree_jours"))
    if erreurs:
        raise DonneesInvalides(erreurs)
    intervention = Intervention(intervenant_id=intervenant.id, structure_id=structure_id,
                                etat=EtatIntervention.prevue, **champs)
    db.session.add(intervention)
    db.session.flush()
    attribuer_immatriculation(intervenant)
    return intervention


def modifier_intervention(intervention: Intervention, acteur: Acteur, **champs) -> Intervention:
    """Edit the intervention's data (never its state: the workflow does)."""
    if not perimetre_de(acteur).couvre(intervention.structure_id):
        raise GardeRefusee("Cette intervention relève d'une autre structure.")
    if EtatIntervention(intervention.etat) in (EtatIntervention.annulee, EtatIntervention.realisee):
        raise TransitionInterdite("Une intervention réalisée ou annulée ne peut plus être modifiée.")
    valeurs = {c: champs.get(c, getattr(intervention, c)) for c in ("date_debut", "date_fin", "duree_jours")}
    erreurs = erreurs_intervention(**valeurs)
    if erreurs:
        raise DonneesInvalides(erreurs)
    for nom, valeur in champs.items():
        setattr(intervention, nom, valeur)
    db.session.flush()
    return intervention
