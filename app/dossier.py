"""Operations on the dossier administratif (issue 20): what views and jobs call.

The request (a gestionnaire ticks blocks: each goes to « demandé » and the
trainer gets the manual's e-mail), the transmission, the review (one e-mail
per review listing the refused blocks) and the need-to-know rule: staff read
a dossier only when their structure asked for it; national admins always.
States change only through ``app.workflows.dossier.bloc_dossier``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import exists, func, select, text

from app.extensions import db
from app.mail import queue_email
from app.models.base import utcnow
from app.models.comptes import Intervenant
from app.models.dossier import (
    ATTENTE_INTERVENANT,
    Bloc,
    BlocDossier,
    DemandeDossier,
    DossierAdministratif,
    EtatBloc,
)
from app.security.scope import perimetre_de
from app.workflows.core import Acteur, WorkflowError
from app.workflows.dossier import NATIONAL, bloc_dossier

SUJET_DEMANDE = "Demande de données et pièces complémentaires pour votre dossier intervenant du CNFPT"
SUJET_REVUE = "Votre dossier administratif du CNFPT a été examiné"


def dossier_de(intervenant: Intervenant, *, creer: bool = False) -> DossierAdministratif | None:
    """The intervenant's one dossier, with its eight blocks when created."""
    dossier = db.session.scalar(select(DossierAdministratif).where(
        DossierAdministratif.intervenant_id == intervenant.id))
    if dossier is None and creer:
        dossier = DossierAdministratif(intervenant=intervenant)
        dossier.blocs = [BlocDossier(bloc=b, etat=EtatBloc.vide) for b in Bloc]
        db.session.add(dossier)
        db.session.flush()
    return dossier


# -- need-to-know --------------------------------------------------------------
def structure_a_demande(dossier_id: int, acteur: Acteur) -> bool:
    """Has the actor's structure made a request on this dossier?"""
    perimetre = perimetre_de(acteur)
    if perimetre.national:
        return True
    if perimetre.structure_id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        DemandeDossier.dossier_id == dossier_id, DemandeDossier.structure_id == perimetre.structure_id))))


def lisible_par(dossier: DossierAdministratif, user) -> bool:
    """The intervenant reads their dossier; staff only when their structure
    asked for it (national admins: every dossier); nobody else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if dossier.intervenant.user_id == user.id:
        return True
    acteur = Acteur.from_user(user)
    from app.security.roles import GESTIONNAIRE

    if not acteur.roles & (NATIONAL | {GESTIONNAIRE}):
        return False
    return structure_a_demande(dossier.id, acteur)


# -- the request ---------------------------------------------------------------
class DemandeVide(WorkflowError):
    pass


def demander(intervenant: Intervenant, blocs: Iterable[Bloc], acteur: Acteur,
             structure_id: int | None) -> DemandeDossier:
    """A gestionnaire's request: the ticked blocks go to « demandé » (a block
    already requested or transmitted stays as it is), the request is recorded
    for the structure and the manual's e-mail is queued (same transaction)."""
    blocs = [Bloc(b) for b in blocs]
    if not blocs:
        raise DemandeVide("Cochez au moins un bloc à demander.")
    if structure_id is None:
        raise WorkflowError("Une demande est faite au nom d'une structure : la vôtre n'est pas renseignée.")
    dossier = dossier_de(intervenant, creer=True)
    for bloc in blocs:
        ligne = dossier.bloc(bloc)
        ligne.structure_id = structure_id
        if EtatBloc(ligne.etat) not in (EtatBloc.demande, EtatBloc.transmis):
            bloc_dossier.apply(ligne, "demander", acteur)
    demande = DemandeDossier(dossier_id=dossier.id, structure_id=structure_id, auteur_id=acteur.user_id,
                             date=utcnow(), blocs=",".join(b.value for b in blocs))
    db.session.add(demande)
    user = db.session.get(User, intervenant.user_id)
    if user is not None and user.email:
        from app.notifications.liens import external_url

        queue_email(user.email, "dossier_demande", SUJET_DEMANDE, intervenant=intervenant,
                    lien=external_url("MonDossierView.page"))
    return demande


# -- the trainer ---------------------------------------------------------------
def transmettre(dossier: DossierAdministratif, blocs: Iterable[Bloc], acteur: Acteur) -> list[BlocDossier]:
    """« Transmettre »: the blocks filled since the last transmission."""
    transmis = []
    for bloc in blocs:
        ligne = dossier.bloc(Bloc(bloc))
        if EtatBloc(ligne.etat) != EtatBloc.transmis:
            bloc_dossier.apply(ligne, "transmettre", acteur)
            transmis.append(ligne)
    return transmis


# -- the review ----------------------------------------------------------------
def examiner(dossier: DossierAdministratif, decisions: dict[Bloc, tuple[str, str | None]],
             acteur: Acteur) -> None:
    """Valider / Refuser per block ({bloc: (event, reason)}); the trainer
    gets one e-mail listing the refused blocks and their reasons."""
    resultats = []
    for bloc, (evenement, motif) in decisions.items():
        if evenement not in ("valider", "refuser"):
            raise WorkflowError("Décision inconnue.")
        ligne = dossier.bloc(Bloc(bloc))
        bloc_dossier.apply(ligne, evenement, acteur, motif)
        if evenement == "refuser":
            ligne.motif_refus = (motif or "").strip()[:1000]
        resultats.append((ligne, evenement, motif))
    intervenant = dossier.intervenant
    user = db.session.get(User, intervenant.user_id)
    if resultats and user is not None and user.email:
        from app.notifications.liens import external_url

        queue_email(user.email, "dossier_revue", SUJET_REVUE, intervenant=intervenant,
                    valides=[r[0].libelle for r in resultats if r[1] == "valider"],
                    refuses=[(r[0].libelle, r[2]) for r in resultats if r[1] == "refuser"],
                    lien=external_url("MonDossierView.page"))


# -- the menu's badge ----------------------------------------------------------
#: Blocks awaiting the trainer (index ``ix_bloc_dossier_etat_date`` is on etat).
def requete_attente(parametre: str):
    """The count of the blocks awaiting the user bound as ``parametre``."""
    from sqlalchemy import bindparam

    return select(func.count()).select_from(BlocDossier).join(
        DossierAdministratif, DossierAdministratif.id == BlocDossier.dossier_id
    ).join(Intervenant, Intervenant.id == DossierAdministratif.intervenant_id).where(
        Intervenant.user_id == bindparam(parametre),
        # constants, not bound: a badge's parameters are its own (app.views.menu)
        text("bloc_dossier.etat IN ({})".format(", ".join(f"'{e.value}'" for e in ATTENTE_INTERVENANT))),
    )
