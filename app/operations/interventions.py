"""Operations on interventions and lettres de demande (issue 23): what views,
the API and jobs call. States change only through ``app.workflows.intervention``.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.infra.storage import get_storage
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.dossier import Bloc, BlocDossier, DossierAdministratif, EtatBloc
from app.models.fichiers import Fichier, declarer_lecteur
from app.models.interventions import (
    LETTRE_ACTIVE,
    LETTRE_PROGRAMMEE_OU_EN_COURS,
    EtatIntervention,
    EtatLettre,
    Immatriculation,
    Intervention,
    LettreDemande,
    ModeRemuneration,
    TypeLettre,
)
from app.models.regles_interventions import blocs_non_valides, erreurs_intervention, erreurs_remuneration
from app.operations.dossier import prevenir_acces, structure_a_acces
from app.operations.lettre_pdf import generer_pdf
from app.security.roles import PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite, WorkflowError
from app.workflows.intervention import INTERVENANT_DESINSCRIT, verrouiller_intervenant


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
    (within the actor's scope); the first one gives the immatriculation; the
    first of a structure opens the dossier to it (the trainer is told)."""
    if not perimetre_de(acteur).couvre(structure_id):
        raise GardeRefusee("Vous ne pouvez créer une intervention que pour votre structure.")
    if intervenant.etat_inscription != EtatInscription.validee:
        raise DonneesInvalides({"intervenant_id": "L'intervenant doit avoir une inscription validée."})
    erreurs = erreurs_intervention(champs.get("date_debut"), champs.get("date_fin"), champs.get("duree_jours"))
    if erreurs:
        raise DonneesInvalides(erreurs)
    nouvel_acces = not structure_a_acces(intervenant.id, structure_id)
    intervention = Intervention(intervenant_id=intervenant.id, structure_id=structure_id,
                                etat=EtatIntervention.prevue, **champs)
    db.session.add(intervention)
    db.session.flush()
    attribuer_immatriculation(intervenant)
    if nouvel_acces:  # the structure now reads the dossier (app.workflows.dossier.condition_acces)
        prevenir_acces(intervenant, [structure_id], "intervention")
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
    lettre_suit_l_intervention(intervention, acteur)
    return intervention


def lettre_suit_l_intervention(intervention: Intervention, acteur: Acteur) -> None:
    """The lettre in force shows the intervention's data: while it is a draft
    or sent (not yet answered) its PDF is made again from them. A sent one
    then differs from what was sent: it must be sent again (« Renvoyer ») before
    the intervenant can accept it (docs/lettre_acceptation.md). Nothing is
    flushed here: the screen's edit calls it before its own commit, where a
    value the database refuses is reported under its field."""
    with db.session.no_autoflush:
        for lettre in intervention.lettres:
            if EtatLettre(lettre.etat) in (EtatLettre.brouillon, EtatLettre.envoyee) and lettre.fichier is not None:
                regenerer_pdf(lettre, acteur)


def regenerer_pdf(lettre: LettreDemande, acteur: Acteur) -> LettreDemande:
    """A new PDF of the lettre from the current data (the previous file is
    kept: it may be the one that was sent)."""
    lettre.fichier = stocker_pdf(generer_pdf(lettre), NOM_FICHIER_LETTRE.format(numero=lettre.numero),
                                 owner_user_id=lettre.intervention.intervenant.user_id,
                                 uploaded_by_id=acteur.user_id)
    return lettre


# -- lettres de demande ----------------------------------------------------------------
class Conflit(WorkflowError):
    """The request contradicts the current data (API: 409)."""


class DossierIncomplet(GardeRefusee):
    """A required block of the dossier administratif is not validated."""

    def __init__(self, blocs: list[Bloc]):
        super().__init__(
            "La lettre de demande ne peut être générée qu'une fois le dossier administratif complet et validé. "
            "Blocs non validés : " + ", ".join(b.libelle for b in blocs) + "."
        )
        self.blocs = blocs


def etats_du_dossier(intervenant_id: int) -> dict[Bloc, EtatBloc]:
    """The state of each block of a person's dossier (empty: no dossier yet)."""
    lignes = db.session.execute(
        sa.select(BlocDossier.bloc, BlocDossier.etat)
        .join(DossierAdministratif, DossierAdministratif.id == BlocDossier.dossier_id)
        .where(DossierAdministratif.intervenant_id == intervenant_id)
    ).all()
    return {Bloc(bloc): EtatBloc(etat) for bloc, etat in lignes}


def verifier_dossier(intervenant: Intervenant) -> None:
    """Raise ``DossierIncomplet`` while a required block is not validated."""
    manquants = blocs_non_valides(intervenant.statut_professionnel, etats_du_dossier(intervenant.id))
    if manquants:
        raise DossierIncomplet(manquants)


NOM_FICHIER_LETTRE = "lettre-de-demande-{numero}.pdf"


def generer_lettre(intervention: Intervention, acteur: Acteur, *, type_lettre: TypeLettre,
                   mode_remuneration: ModeRemuneration, taux: Decimal, quantite: Decimal,
                   date_lettre: date | None = None) -> LettreDemande:
    """A new lettre « brouillon » for the intervention, with its numbered PDF
    stored encrypted; refused while the dossier is not validated, or while
    another lettre of the intervention is still in force."""
    if not perimetre_de(acteur).couvre(intervention.structure_id):
        raise GardeRefusee("Cette intervention relève d'une autre structure.")
    if EtatIntervention(intervention.etat) not in (EtatIntervention.prevue, EtatIntervention.en_cours):
        raise TransitionInterdite("Une lettre de demande n'est établie que pour une intervention prévue ou en cours.")
    en_vigueur = db.session.scalar(sa.select(LettreDemande.numero).where(
        LettreDemande.intervention_id == intervention.id, LettreDemande.etat.in_(LETTRE_ACTIVE)))
    if en_vigueur:
        raise Conflit(f"La lettre de demande n° {en_vigueur} de cette intervention est en vigueur : "
                      "annulez-la avant d'en établir une autre.")
    erreurs = erreurs_remuneration(taux, quantite)
    if erreurs:
        raise DonneesInvalides(erreurs)
    intervenant = intervention.intervenant
    if verrouiller_intervenant(intervenant.id) == EtatInscription.archivee:
        raise GardeRefusee(INTERVENANT_DESINSCRIT)
    verifier_dossier(intervenant)
    lettre = LettreDemande(intervention=intervention, type=TypeLettre(type_lettre),
                           mode_remuneration=ModeRemuneration(mode_remuneration), taux=taux, quantite=quantite,
                           date_lettre=date_lettre or date.today(), etat=EtatLettre.brouillon,
                           auteur_id=acteur.user_id, cree_le=utcnow())
    db.session.add(lettre)
    db.session.flush()
    lettre.numero = f"LD-{lettre.date_lettre.year}-{lettre.id:06d}"
    lettre.fichier = stocker_pdf(generer_pdf(lettre), NOM_FICHIER_LETTRE.format(numero=lettre.numero),
                                 owner_user_id=intervenant.user_id, uploaded_by_id=acteur.user_id)
    db.session.flush()
    return lettre


def stocker_pdf(contenu: bytes, nom: str, *, owner_user_id: int, uploaded_by_id: int | None) -> Fichier:
    """A generated PDF, stored like the protected uploads (encrypted, random key)."""
    cle = get_storage().save(contenu, sensitive=True)
    fichier = Fichier(uuid=uuid.uuid4(), storage_key=cle, original_name=nom, content_type="application/pdf",
                      size=len(contenu), sensitive=True, sha256=hashlib.sha256(contenu).hexdigest(),
                      owner_user_id=owner_user_id, uploaded_by_id=uploaded_by_id)
    db.session.add(fichier)
    return fichier


def lettre_lisible_par(lettre: LettreDemande, user) -> bool:
    """The intervenant reads its lettres; staff those of their structure's
    interventions (national roles: all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    intervention = lettre.intervention
    if intervention.intervenant.user_id == user.id:
        return True
    acteur = Acteur.from_user(user)
    if not acteur.roles & PERSONNEL:
        return False
    return perimetre_de(acteur).couvre(intervention.structure_id)


def _lecture_lettre(fichier: Fichier, user) -> bool | None:
    """A lettre de demande, or its accepted PDF: staff of its intervention's structure (issue 23)."""
    lettre = db.session.scalar(sa.select(LettreDemande).where(
        sa.or_(LettreDemande.fichier_id == fichier.id, LettreDemande.fichier_accepte_id == fichier.id)))
    return None if lettre is None else lettre_lisible_par(lettre, user)


declarer_lecteur(_lecture_lettre)
