"""Operations on the dossier administratif (issue 20): what views and jobs call.

The request (a gestionnaire ticks blocks: each goes to « demandé » and the
trainer gets the manual's e-mail), the transmission, the review (one e-mail
per review listing the refused blocks) and the need-to-know rule (issue 33):
staff of a structure read a dossier (its blocks, NIR/IBAN, pieces) only
while their structure works with the trainer (``condition_acces``, declared
with the workflow whose guards ask it, ``app.workflows.dossier``); national
admins always. A request alone opens nothing. Each staff account has a daily
budget of sensitive reads (``consommer_lecture_sensible``).
States change only through ``app.workflows.dossier.bloc_dossier``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.forms.dossier import CHAMPS_BLOC, CHAMPS_PROFIL, FICHIERS
from app.infra.formatting import heure_de_paris
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.infra.uploads import DOSSIER_ADMINISTRATIF, UploadError
from app.models.base import utcnow
from app.models.comptes import Gestionnaire, Intervenant
from app.models.consultations import LecturesSensibles, ObjetConsultation, tracer
from app.models.dossier import (
    ATTENTE_INTERVENANT,
    Bloc,
    BlocDossier,
    DemandeDossier,
    DossierAdministratif,
    EtatBloc,
    Piece,
    PieceDossier,
)
from app.models.fichiers import Fichier, declarer_lecteur, effacer, store_upload
from app.models.referentiels import StatutProfessionnel, Structure, TypePieceIdentite
from app.models.regles_dossier import pieces_identite, pieces_statut, telephones, type_employeur, validite, zone_sepa
from app.models.regles_profil import appliquer_statut, verrouillage
from app.models.roles import adresses_du_role
from app.security.roles import ADMIN_NATIONAL
from app.workflows.core import Acteur, WorkflowError
from app.workflows.dossier import (  # noqa: F401  (the need-to-know, asked here by its callers too)
    acces_acteur,
    bloc_dossier,
    condition_acces,
    structure_a_acces,
    structure_a_demande,
    structures_avec_acces,
)

log = logging.getLogger(__name__)

SUJET_DEMANDE = "Demande de données et pièces complémentaires pour votre dossier intervenant du CNFPT"
SUJET_REVUE = "Votre dossier administratif du CNFPT a été examiné"
SUJET_ACCES = "Une structure du CNFPT a désormais accès à votre dossier administratif"
SUJET_PLAFOND = "Alerte : plafond de lectures de dossiers administratifs atteint"


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


def lisible_par(dossier: DossierAdministratif, user) -> bool:
    """The intervenant reads their dossier; staff per ``acces_acteur``
    (pages, « Afficher », pieces, API); nobody else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if dossier.intervenant.user_id == user.id:
        return True
    return acces_acteur(dossier.intervenant_id, Acteur.from_user(user))


def prevenir_acces(intervenant: Intervenant, structure_ids: Iterable[int], motif: str) -> None:
    """Tell the trainer that these structures now read their dossier (outbox,
    same transaction as the change that opens it)."""
    structure_ids = sorted(set(structure_ids))
    user = db.session.get(User, intervenant.user_id)
    if not structure_ids or user is None or not user.email:
        return
    noms = list(db.session.scalars(select(Structure.nom).where(Structure.id.in_(structure_ids))
                                   .order_by(Structure.nom)))
    queue_email(user.email, "dossier_acces", SUJET_ACCES, intervenant=intervenant, structures=noms,
                motif=motif, lien=external_url("MonDossierView.page"))


# -- the budget of sensitive reads ------------------------------------------------
class PlafondAtteint(WorkflowError):
    """A staff account read its day's budget of NIR/IBAN and pieces."""


def _insert(table):
    return (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


def purger_lectures_sensibles(avant) -> int:
    """Delete the daily counts of sensitive reads of the days before ``avant``
    (``LECTURES_SENSIBLES_CONSERVATION_JOURS``): a count is a record about a
    staff member, kept for the controls of the year, not for ever."""
    return db.session.execute(delete(LecturesSensibles).where(LecturesSensibles.jour < avant)).rowcount


def consommer_lecture_sensible(user) -> None:
    """Count one sensitive read (NIR/IBAN shown, piece downloaded) of a staff
    account today (Paris day), or refuse it past ``LECTURES_SENSIBLES_PAR_JOUR``.

    One upsert that increments only below the limit: the row stays locked
    until the request's commit, so two requests at once never both take the
    last read. The first refusal of the day alerts the national
    administration (e-mail; the console lists the accounts). A refusal is
    committed here before ``PlafondAtteint`` is raised: it stays counted and
    its alert queued whatever the caller does next."""
    limite = current_app.config["LECTURES_SENSIBLES_PAR_JOUR"]
    jour = heure_de_paris(utcnow()).date()
    table = LecturesSensibles.__table__
    inserer = _insert(table).values(user_id=user.id, jour=jour, nombre=1, refus=0)
    compte = db.session.execute(inserer.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.jour], set_={"nombre": table.c.nombre + 1},
        where=table.c.nombre < limite,
    ).returning(table.c.nombre)).first() if limite > 0 else None
    if compte is not None:
        return
    if limite <= 0:
        db.session.execute(_insert(table).values(user_id=user.id, jour=jour, nombre=0, refus=0)
                           .on_conflict_do_nothing())
    refus = db.session.execute(
        update(table).where(table.c.user_id == user.id, table.c.jour == jour)
        .values(refus=table.c.refus + 1, dernier_refus=utcnow()).returning(table.c.refus)
    ).scalar_one()
    log.warning("Plafond de lectures sensibles atteint : utilisateur %s (%s refus aujourd'hui)", user.id, refus)
    if refus == 1:
        _alerter_administration(user, limite)
    db.session.commit()
    raise PlafondAtteint(
        f"Vous avez atteint le plafond de {limite} lectures de données sensibles (NIR, IBAN, pièces "
        "des dossiers administratifs) pour aujourd'hui : cette lecture est refusée. L'administration "
        "nationale en est informée ; si votre mission l'exige, contactez-la."
    )


def piece_de_dossier(fichier_id: int) -> bool:
    """Is this file a piece of a dossier administratif (budgeted reads)?"""
    return bool(db.session.scalar(select(exists().where(PieceDossier.fichier_id == fichier_id))))


def _alerter_administration(user, limite: int) -> None:
    """E-mail to the active national administrators (no personal data of the
    trainers read, only who reached the budget)."""
    adresses = adresses_du_role(ADMIN_NATIONAL)
    if not adresses:
        return
    structure = db.session.scalar(select(Structure.nom).join(Gestionnaire, Gestionnaire.structure_id == Structure.id)
                                  .where(Gestionnaire.user_id == user.id))
    queue_email(adresses, "dossier_plafond_lectures", SUJET_PLAFOND, compte=user.email, structure=structure,
                limite=limite, lien=external_url("bo_lectures_sensibles.index_view"))


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
        if EtatBloc(ligne.etat) == EtatBloc.transmis:
            continue  # answers another structure's request: stays in its queue
        ligne.structure_id = structure_id
        if EtatBloc(ligne.etat) != EtatBloc.demande:
            bloc_dossier.apply(ligne, "demander", acteur)
    demande = DemandeDossier(dossier_id=dossier.id, structure_id=structure_id, auteur_id=acteur.user_id,
                             date=utcnow(), blocs=",".join(b.value for b in blocs))
    db.session.add(demande)
    user = db.session.get(User, intervenant.user_id)
    if user is not None and user.email:
        queue_email(user.email, "dossier_demande", SUJET_DEMANDE, intervenant=intervenant,
                    structure=db.session.scalar(select(Structure.nom).where(Structure.id == structure_id)),
                    lien=external_url("MonDossierView.page"))
    return demande


# -- the trainer ---------------------------------------------------------------
def demandes_en_attente(dossier: DossierAdministratif) -> list[tuple[DemandeDossier, str]]:
    """The requests not answered yet, with their structure's name (the
    trainer's page says who asks: transmitting is consenting to them)."""
    return list(db.session.execute(
        select(DemandeDossier, Structure.nom).join(Structure, Structure.id == DemandeDossier.structure_id)
        .where(DemandeDossier.dossier_id == dossier.id, DemandeDossier.date_reponse.is_(None))
        .order_by(DemandeDossier.date)).all())


def transmettre(dossier: DossierAdministratif, blocs: Iterable[Bloc], acteur: Acteur) -> list[BlocDossier]:
    """« Transmettre »: the blocks filled since the last transmission. It
    answers the pending requests that asked one of them: their structures
    then read the dossier (``condition_acces``); the trainer is told by
    e-mail of each structure that gains access."""
    transmis = []
    for bloc in blocs:
        ligne = dossier.bloc(Bloc(bloc))
        if EtatBloc(ligne.etat) != EtatBloc.transmis:
            bloc_dossier.apply(ligne, "transmettre", acteur)
            transmis.append(ligne)
    valeurs = {Bloc(ligne.bloc).value for ligne in transmis}
    repondues = [d for d, _ in demandes_en_attente(dossier) if valeurs & set(d.blocs.split(","))]
    if repondues:
        avant = structures_avec_acces(dossier.intervenant_id)
        maintenant = utcnow()
        for demande in repondues:
            demande.date_reponse = maintenant
        prevenir_acces(dossier.intervenant, {d.structure_id for d in repondues} - avant, "reponse")
    return transmis


# -- the trainer's page: what a block needs, what is saved -----------------------------
REQUIS = "Ce champ est obligatoire."


def valeur_du_champ(profil: Intervenant, dossier: DossierAdministratif, nom: str):
    """A field of the page: kept on the profile or on the dossier (``CHAMPS_PROFIL``)."""
    return getattr(profil if nom in CHAMPS_PROFIL else dossier, nom)


def statut_de(statut_id):
    return db.session.get(StatutProfessionnel, statut_id) if statut_id else None


def blocs_affiches(statut) -> list[Bloc]:
    """No employer block for « Sans » (manual §3.3.4.2 g)."""
    sans_employeur = statut is not None and type_employeur(statut) is None
    return [b for b in Bloc if not (b == Bloc.employeur and sans_employeur)]


def manquants(bloc: Bloc, profil: Intervenant, dossier: DossierAdministratif, aujourdhui: date) -> dict[str, str]:
    """What a block lacks to be transmitted: field → message."""
    def vide(nom):
        if nom in FICHIERS:
            return dossier.piece(Piece(nom)) is None
        return valeur_du_champ(profil, dossier, nom) in (None, "")

    erreurs = {}
    requis = []
    if bloc == Bloc.adresse:
        requis = ["pays_residence_id", "adresse_voie", "code_postal", "localite"]
    elif bloc == Bloc.telephones:
        try:
            telephones(*(getattr(profil, n) for n in CHAMPS_BLOC[Bloc.telephones]))
        except ValueError as exc:
            erreurs["telephone_personnel"] = str(exc)
    elif bloc == Bloc.identite:
        type_ = db.session.get(TypePieceIdentite, dossier.type_piece_identite_id) if dossier.type_piece_identite_id else None
        requis = ["type_piece_identite_id", *pieces_identite(type_.verso_requis if type_ else False), "nationalite_id",
                  "validite_debut", "validite_fin", "lieu_naissance", "pays_naissance_id"]
        try:
            validite(dossier.validite_debut, dossier.validite_fin, aujourdhui=aujourdhui, pour_transmettre=True)
        except ValueError as exc:
            erreurs["validite_fin"] = str(exc)
    elif bloc == Bloc.securite_sociale:
        requis = ["carte_vitale", "nir"]
    elif bloc == Bloc.statut:
        pieces = pieces_statut(statut_de(profil.statut_professionnel_id))
        requis = ["statut_professionnel_id", *pieces]
        if Piece.CONTRAT_OU_ATTESTATION_EMPLOYEUR in pieces:
            requis += ["type_contrat_id", "contrat_debut", "contrat_fin"]
        if Piece.ATTESTATION_HONNEUR in pieces:
            requis.append("date_attestation")
    elif bloc == Bloc.employeur:
        requis = ["employeur_raison_sociale"]
        if profil.type_employeur == "PRIVE":
            requis.append("employeur_siret")
    elif bloc == Bloc.bancaire:
        requis = ["iban", "bic", "rib"]
    elif bloc == Bloc.diplome:
        requis = ["diplome_intitule", "diplome"]
    for nom in requis:
        if nom not in erreurs and vide(nom):
            erreurs[nom] = REQUIS
    return erreurs


def requis_affiches(profil: Intervenant, dossier: DossierAdministratif) -> frozenset[str]:
    """The fields with a red asterisk (what ``manquants`` asks for an empty block)."""
    noms = set()
    for bloc in Bloc:
        noms |= set(manquants(bloc, profil, _DossierVide(dossier), date.min))
    return frozenset(noms - {"telephone_personnel"})


class _DossierVide:
    """A dossier seen as empty, to list every required field."""

    def __init__(self, dossier):
        self.type_piece_identite_id = dossier.type_piece_identite_id
        self.validite_debut = self.validite_fin = None

    def piece(self, piece):
        return None

    def __getattr__(self, nom):
        return None


def champs_figes(profil: Intervenant) -> frozenset[str]:
    """The profile's fields the trainer may not change here (``regles_profil``:
    frozen once an immatriculation exists, manual §3.3.2)."""
    verrou = verrouillage(profil)
    return frozenset(CHAMPS_PROFIL) if verrou.tout else frozenset(verrou.champs) & CHAMPS_PROFIL

def _joindre_pieces(profil, dossier, fichiers: dict) -> tuple[set[Bloc], dict[str, str]]:
    """The files sent (field → upload): each stored as its piece, the
    previous one deleted. The blocks changed, and the refusals (field → message)."""
    modifies, erreurs = set(), {}
    for nom, fichier in fichiers.items():
        if not isinstance(fichier, FileStorage) or not fichier.filename:
            continue
        try:
            nouveau = store_upload(fichier, owner_user_id=profil.user_id, sensitive=True, preset=DOSSIER_ADMINISTRATIF)
        except UploadError as exc:
            erreurs[nom] = str(exc)
            continue
        db.session.flush()
        ancienne = dossier.piece(Piece(nom))
        if ancienne is not None:
            ancien_fichier = ancienne.fichier
            ancienne.fichier_id = nouveau.id
            effacer(ancien_fichier)
        else:
            dossier.pieces.append(PieceDossier(piece=Piece(nom), fichier_id=nouveau.id))
        modifies.add(next(b for b, champs in CHAMPS_BLOC.items() if nom in champs))
    return modifies, erreurs


def joindre_pieces(profil, dossier, fichiers: dict) -> dict[str, str]:
    """Files sent with a post that saves nothing else (the employer search):
    they stay attached and their blocks count as changed. The refusals."""
    modifies, erreurs = _joindre_pieces(profil, dossier, fichiers)
    for bloc in modifies:
        dossier.bloc(bloc).modifie = True
    return erreurs


def _enregistrer_champs(profil, dossier, valeurs: dict) -> set[Bloc]:
    modifies = set()
    figes = champs_figes(profil)
    for bloc, champs in CHAMPS_BLOC.items():
        for nom in champs:
            if nom in FICHIERS or nom == "zone_sepa" or nom in figes or nom not in valeurs:
                continue
            valeur = None if valeurs[nom] == "" else valeurs[nom]
            cible = profil if nom in CHAMPS_PROFIL else dossier
            if getattr(cible, nom) != valeur:
                setattr(cible, nom, valeur)
                modifies.add(bloc)
    dossier.zone_sepa = zone_sepa(dossier.iban)
    appliquer_statut(profil)  # the employer type follows the statut (regles_profil)
    return modifies


@dataclass(frozen=True)
class Saisie:
    """What became of the trainer's post: ``issue`` (« a_corriger »: only the
    files kept; « enregistree »; « rien_a_transmettre »; « incomplete »: saved,
    not transmitted; « transmise ») and the fields' messages."""

    issue: str
    erreurs: dict[str, str]


def enregistrer_saisie(profil, dossier, fichiers: dict, valeurs: dict | None, *, transmettre_blocs: bool,
                       acteur: Acteur, aujourdhui: date) -> Saisie:
    """« Enregistrer » or « Transmettre » on the trainer's page. The files
    sent are kept whatever happens; the fields (``valeurs``, None when the
    form was refused) only when every file was accepted; « Transmettre »
    sends the blocks changed or awaited, when none lacks anything."""
    modifies, erreurs = _joindre_pieces(profil, dossier, fichiers)
    if erreurs or valeurs is None:
        return Saisie("a_corriger", erreurs)
    modifies |= _enregistrer_champs(profil, dossier, valeurs)
    for bloc in modifies:
        dossier.bloc(bloc).modifie = True
    db.session.flush()
    if not transmettre_blocs:
        return Saisie("enregistree", {})
    a_transmettre = [
        b for b in blocs_affiches(statut_de(profil.statut_professionnel_id))
        if dossier.bloc(b).modifie or EtatBloc(dossier.bloc(b).etat) in ATTENTE_INTERVENANT
    ]
    if not a_transmettre:
        return Saisie("rien_a_transmettre", {})
    for bloc in a_transmettre:
        erreurs.update(manquants(bloc, profil, dossier, aujourdhui))
    if erreurs:
        return Saisie("incomplete", erreurs)
    transmettre(dossier, a_transmettre, acteur)
    return Saisie("transmise", {})


def reveler(user, intervenant_id: int, champ: str) -> None:
    """« Afficher » a NIR or an IBAN: one sensitive read counted (``PlafondAtteint``
    past the day's budget), and logged."""
    consommer_lecture_sensible(user)
    tracer(ObjetConsultation(champ), intervenant_id=intervenant_id)


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


def _lecture_piece(fichier: Fichier, user) -> bool | None:
    """A piece of the dossier administratif: its own need-to-know (``lisible_par``)."""
    piece = db.session.scalar(select(PieceDossier).where(PieceDossier.fichier_id == fichier.id))
    return None if piece is None else lisible_par(piece.dossier, user)


declarer_lecteur(_lecture_piece)
