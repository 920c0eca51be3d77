"""Demo interventions and lettres de demande (issue 23): validated
intervenants whose dossier is validated, with interventions in each state
(prévue, en cours, réalisée, annulée) and lettres in each state (brouillon,
envoyée, acceptée, en cours d'exécution, terminée, annulée, refusée online by
its intervenant with a reason); one more whose
dossier is not complete (its lettre is refused). Everything goes through the
operations and the workflows (immatriculation, history, e-mails).
Idempotent: an intervenant who has an intervention is left as is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, select

from app.extensions import db
from app.models.comptes import EtatInscription, Intervenant
from app.models.dossier import Bloc, EtatBloc
from app.models.interventions import Intervention, ModeRemuneration, TypeLettre
from app.models.regles_interventions import blocs_requis
from app.operations.dossier import demander, dossier_de, examiner, transmettre
from app.operations.interventions import creer_intervention, generer_lettre
from app.operations.lettres import refuser_en_ligne
from app.security.scope import structure_id_of_user
from app.workflows.core import Acteur
from app.workflows.intervention import intervention as workflow_intervention
from app.workflows.intervention import lettre as workflow_lettre

#: Lettre events from « brouillon » to each state.
VERS_LETTRE = {
    "brouillon": [], "envoyee": ["envoyer"], "acceptee": ["envoyer", "accepter"],
    "en_cours_execution": ["envoyer", "accepter", "executer"],
    "terminee": ["envoyer", "accepter", "executer", "terminer"], "annulee": ["envoyer", "annuler"],
    "refusee": ["envoyer"],  # then refused by the intervenant (app.operations.lettres)
}
MOTIF_REFUS_DEMO = "Je ne suis pas disponible sur cette période."
#: Intervention events from « prévue » to each state.
VERS_INTERVENTION = {"prevue": [], "en_cours": ["demarrer"], "realisee": ["demarrer", "realiser"],
                     "annulee": ["annuler"]}

#: Per demo person: (intitulé, start offset in days from today, days, lieu,
#: intervention state, lettre state or None, payment (mode, rate)).
PERSONNES = [
    [
        ("Conduite de réunion et animation d'équipe", -400, 2, "Lyon (69)", "realisee", "terminee",
         (ModeRemuneration.journalier, "450")),
        ("Prévention des risques psychosociaux", -1, 3, "Clermont-Ferrand (63)", "en_cours", "en_cours_execution",
         (ModeRemuneration.journalier, "480")),
        ("Marchés publics : les fondamentaux", 45, 2, "Grenoble (38)", "prevue", "acceptee",
         (ModeRemuneration.horaire, "62.5")),
    ],
    [
        ("Accueil du public et gestion des conflits", 20, 1, "Paris (75)", "prevue", "envoyee",
         (ModeRemuneration.horaire, "55")),
        ("Management de proximité", 60, 2.5, "Créteil (94)", "prevue", "brouillon",
         (ModeRemuneration.journalier, "500")),
        ("Budget et finances locales", 10, 2, "Versailles (78)", "annulee", "annulee",
         (ModeRemuneration.journalier, "420")),
    ],
    [
        ("Formation de formateurs occasionnels", -1900, 3, "Marseille (13)", "realisee", "terminee",
         (ModeRemuneration.journalier, "400")),
        ("Écriture administrative", 90, 1, "Nice (06)", "prevue", None, None),
        ("Communication écrite", 70, 1, "Toulon (83)", "prevue", "refusee", (ModeRemuneration.journalier, "430")),
    ],
]
#: The last person: an intervention, a dossier not complete (no lettre).
INCOMPLET = ("Laïcité et fait religieux", 30, 1, "Rennes (35)")


def _gestionnaire(gestionnaires: dict, structure_id: int):
    return next((u for u in gestionnaires.values() if structure_id_of_user(u.id) == structure_id),
                next(iter(gestionnaires.values())))


def _valider_dossier(profil: Intervenant, acteur: Acteur, structure_id: int) -> None:
    """Every required block asked, transmitted and validated (the workflow's way)."""
    dossier = dossier_de(profil)
    blocs = [b for b in blocs_requis(profil.statut_professionnel)
             if dossier is None or EtatBloc(dossier.bloc(b).etat) != EtatBloc.valide]
    if not blocs:
        return
    demander(profil, blocs, acteur, structure_id)
    dossier = dossier_de(profil)
    transmettre(dossier, blocs, Acteur.from_user(profil.user))
    examiner(dossier, {b: ("valider", None) for b in blocs}, acteur)


def load_demo_interventions(gestionnaires: dict) -> None:
    deja = exists().where(Intervention.intervenant_id == Intervenant.id)
    # The last validated people (app.donnees.demo_dossiers takes the first ones).
    valides = db.session.scalars(select(Intervenant).where(
        Intervenant.etat_inscription == EtatInscription.validee, Intervenant.structure_id.is_not(None))
        .order_by(Intervenant.id.desc()).limit(len(PERSONNES) + 1)).all()
    if not valides or db.session.scalar(select(deja).where(Intervenant.id.in_([p.id for p in valides]))):
        return
    aujourdhui = date.today()
    for profil, interventions in zip(valides, [*PERSONNES, None], strict=False):
        gestionnaire = _gestionnaire(gestionnaires, profil.structure_id)
        acteur = Acteur.from_user(gestionnaire)
        structure_id = structure_id_of_user(gestionnaire.id)
        if interventions is None:  # the dossier is not complete: no lettre
            intitule, decalage, jours, lieu = INCOMPLET
            debut = aujourdhui + timedelta(days=decalage)
            creer_intervention(profil, structure_id, acteur, intitule=intitule, date_debut=debut,
                               date_fin=debut + timedelta(days=jours - 1), duree_jours=Decimal(jours), lieu=lieu)
            demander(profil, [Bloc.identite, Bloc.bancaire], acteur, structure_id)
            db.session.commit()
            continue
        _valider_dossier(profil, acteur, structure_id)
        for intitule, decalage, jours, lieu, etat, etat_lettre, paiement in interventions:
            debut = aujourdhui + timedelta(days=decalage)
            duree = Decimal(str(jours))
            fin = debut + timedelta(days=max(int(duree + Decimal("0.99")) - 1, 0))
            ligne = creer_intervention(profil, structure_id, acteur, intitule=intitule, date_debut=debut,
                                       date_fin=fin, duree_jours=duree, lieu=lieu)
            if etat_lettre is not None:
                mode, taux = paiement
                quantite = duree * (6 if mode == ModeRemuneration.horaire else 1)
                lettre = generer_lettre(ligne, acteur, type_lettre=TypeLettre.intervention, mode_remuneration=mode,
                                        taux=Decimal(taux), quantite=quantite,
                                        date_lettre=min(aujourdhui, debut - timedelta(days=15)))
                for evenement in VERS_LETTRE[etat_lettre]:
                    workflow_lettre.apply(lettre, evenement, acteur,
                                          "Session reportée par la structure" if evenement == "annuler" else None)
                if etat_lettre == "refusee":
                    refuser_en_ligne(lettre, profil.user, motif=MOTIF_REFUS_DEMO, ip=None)
            for evenement in VERS_INTERVENTION[etat]:
                workflow_intervention.apply(ligne, evenement, acteur,
                                            "Session reportée par la structure" if evenement == "annuler" else None)
            db.session.commit()
