"""Property check of the suggestions on the bench volume (issue 37): every
intervenant suggested for 200 open annonces, and every annonce suggested to
20 intervenants, satisfies the hard rules, as checked apart from the ranking
by ``app.operations.suggestions.regles_dures_violees`` (validated and not
archived, not a candidate nor already invited, available over the dates, a
zone covering the place, a domaine in common). ``make bench`` exits non-zero
when one is violated."""

from __future__ import annotations

import random
import time

import sqlalchemy as sa

from app.models.annonces import Annonce, Candidature, EtatAnnonce
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.operations.suggestions import annonces_pour, regles_dures_violees, suggestions_annonce

ANNONCES = 200
INTERVENANTS = 20


def verifier(url: str, seed: int = 37) -> dict:
    """The check on the database at ``url`` (its own engine)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return verifier_sur(conn, seed)
    finally:
        engine.dispose()


def verifier_sur(conn: sa.Connection, seed: int = 37) -> dict:
    """The check's figures and its violations (empty when every pair is allowed)."""
    rng = random.Random(seed)
    violations: list[str] = []
    paires = 0
    debut = time.perf_counter()
    ouvertes = conn.scalars(sa.select(Annonce.id).where(
        Annonce.etat == EtatAnnonce.publiee, Annonce.date_limite >= utcnow().date()).order_by(Annonce.id)).all()
    echantillon = rng.sample(ouvertes, min(ANNONCES, len(ouvertes)))
    for annonce_id in echantillon:
        ids = [s.intervenant_id for s in suggestions_annonce(annonce_id, conn=conn)]
        paires += len(ids)
        for iid, raison in regles_dures_violees(annonce_id, ids, conn=conn).items():
            violations.append(f"annonce {annonce_id}, intervenant {iid} : {raison}")
    candidats = conn.scalars(
        sa.select(Candidature.intervenant_id).join(Intervenant, Intervenant.id == Candidature.intervenant_id)
        .where(Intervenant.etat_inscription == EtatInscription.validee)
        .group_by(Candidature.intervenant_id).order_by(Candidature.intervenant_id).limit(500)).all()
    for iid in rng.sample(candidats, min(INTERVENANTS, len(candidats))):
        for s in annonces_pour(iid, limite=10, conn=conn):
            paires += 1
            if raison := regles_dures_violees(s.annonce_id, [iid], conn=conn).get(iid):
                violations.append(f"intervenant {iid}, annonce {s.annonce_id} : {raison}")
    return {"annonces": len(echantillon), "paires": paires, "violations": violations,
            "duree_s": round(time.perf_counter() - debut, 1)}
