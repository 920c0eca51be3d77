"""Interventions and lettres de demande of the bench volume (issue 23).

``flask volume generer --interventions N`` (or ``flask volume interventions``
on a volume filled before them): N interventions of this volume's validated
intervenants, over the last two years and the coming six months, each in the
state its dates give (réalisée or annulée in the past, en cours today,
prévue or annulée ahead); most of them with their lettre de demande in the
matching state (ahead, some refused by the intervenant, with a reason); the
immatriculation of every intervenant who has one. Rows are written directly
(no workflow history, no PDF stored: the volume holds no file), like the
rest of the volume.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models.comptes import EtatInscription, Intervenant
from app.models.interventions import Immatriculation, Intervention, LettreDemande
from app.models.referentiels import Structure
from app.operations.interventions import PREFIXE_IMMATRICULATION

TABLES_INTERVENTIONS = [Intervention.__table__, LettreDemande.__table__, Immatriculation.__table__]
#: Share of the validated intervenants who intervene (the others never got an order).
PART_INTERVENANTS = 0.3
ACTIONS = ["Préparation au concours de rédacteur", "Management d'équipe", "Marchés publics : les fondamentaux",
           "Accueil du public en situation difficile", "Finances locales : le budget", "Urbanisme réglementaire",
           "Petite enfance : l'éveil", "Prévention des risques professionnels", "Restauration collective"]
LIEUX = ["Lyon", "Marseille", "Lille", "Rennes", "Toulouse", "Bordeaux", "Nancy", "Dijon", "Orléans", "Montpellier"]


#: The reason of the volume's refused lettres (no answer metadata: no workflow, no PDF).
MOTIF_REFUS = "Indisponible sur la période."

def _etats(debut, fin, aujourdhui, rng: random.Random) -> tuple[str, str | None]:
    """The intervention's state from its dates, and its lettre's (None: no lettre)."""
    if fin < aujourdhui:
        etat = "annulee" if rng.random() < 0.08 else "realisee"
    elif debut <= aujourdhui:
        etat = "en_cours"
    else:
        etat = "annulee" if rng.random() < 0.1 else "prevue"
    if etat == "annulee":
        return etat, "annulee" if rng.random() < 0.3 else None
    if rng.random() >= 0.7:
        return etat, None
    lettre = {"realisee": "terminee", "en_cours": "en_cours_execution"}.get(etat)
    return etat, lettre or rng.choice(["brouillon", "envoyee", "acceptee", "acceptee", "refusee"])


def ecrire_interventions(out, ids, rng: random.Random, n: int, now: datetime, premier_intervenant: int | None) -> None:
    """``n`` interventions (see the module); ``out``/``ids``: the volume's writer and keys."""
    if premier_intervenant is None or n <= 0:
        return
    valides = db.session.execute(
        sa.select(Intervenant.id, Intervenant.structure_id, Intervenant.immatriculation)
        .where(Intervenant.id >= premier_intervenant, Intervenant.etat_inscription == EtatInscription.validee.value)
        .where(~sa.exists().where(Intervention.intervenant_id == Intervenant.id))
        .order_by(Intervenant.id)
    ).all()
    if not valides:
        return
    structures = db.session.scalars(sa.select(Structure.id).order_by(Structure.id)).all()
    actifs = rng.sample(valides, max(1, int(len(valides) * PART_INTERVENANTS)))
    aujourdhui = now.date()
    immatricules: set[int] = set()
    for _ in range(n):
        pid, structure_propre, deja_immatricule = rng.choice(actifs)
        jours = rng.choice([1, 1, 2, 2, 3, 5])
        if rng.random() < 0.03:  # under way today
            debut = aujourdhui - timedelta(days=rng.randint(0, jours - 1))
        else:
            debut = aujourdhui + timedelta(days=rng.randint(-730, 180))
        fin = debut + timedelta(days=jours - 1)
        etat, etat_lettre = _etats(debut, fin, aujourdhui, rng)
        iid = ids.suivant(Intervention.__table__)
        cree = datetime.combine(debut - timedelta(days=rng.randint(20, 90)), now.time())
        out.ajouter(Intervention.__table__, {
            "id": iid, "intervenant_id": pid,
            "structure_id": structure_propre if rng.random() < 0.85 or not structures else rng.choice(structures),
            "intitule": rng.choice(ACTIONS), "date_debut": debut, "date_fin": fin,
            "duree_jours": Decimal(jours), "lieu": rng.choice(LIEUX), "etat": etat, "reference_externe": None,
            "created_at": cree, "updated_at": cree,
        })
        if pid not in immatricules:
            immatricules.add(pid)
            mid = ids.suivant(Immatriculation.__table__)
            out.ajouter(Immatriculation.__table__, {
                "id": mid, "intervenant_id": pid, "attribuee_le": cree,
                "numero": deja_immatricule or f"{PREFIXE_IMMATRICULATION}{mid:07d}"})
        if etat_lettre is not None:
            lid = ids.suivant(LettreDemande.__table__)
            date_lettre = debut - timedelta(days=rng.randint(5, 40))
            journalier = rng.random() < 0.7
            out.ajouter(LettreDemande.__table__, {
                "id": lid, "numero": f"LD-{date_lettre.year}-{lid:06d}", "intervention_id": iid,
                "type": "ressources" if rng.random() < 0.15 else "intervention", "date_lettre": date_lettre,
                "mode_remuneration": "journalier" if journalier else "horaire",
                "taux": Decimal(rng.randint(200, 450) if journalier else rng.randint(40, 90)),
                "quantite": Decimal(jours if journalier else jours * 6), "etat": etat_lettre,
                "fichier_id": None, "auteur_id": None, "cree_le": datetime.combine(date_lettre, now.time()),
                "motif_refus": MOTIF_REFUS if etat_lettre == "refusee" else None,
            })
    out.vider()
    # The profiles' immatriculation, as the first intervention gives it (one
    # statement; the volume's validated profiles already hold theirs).
    numero = (sa.select(Immatriculation.numero)
              .where(Immatriculation.intervenant_id == Intervenant.id).scalar_subquery())
    db.session.execute(
        sa.update(Intervenant)
        .where(Intervenant.immatriculation.is_(None), Intervenant.id >= premier_intervenant,
               Intervenant.id.in_(sa.select(Immatriculation.intervenant_id)))
        .values(immatriculation=numero)
        .execution_options(synchronize_session=False)
    )
