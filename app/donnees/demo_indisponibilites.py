"""Demonstration indisponibilités (issue 23, point 4): a few periods for the
validated demo intervenants (Emma Moreau among them), relative to the day of
loading so that the CV-thèque's « Disponible entre le … et le … » has
something to leave out; loaded once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.comptes import EtatInscription, Intervenant
from app.models.indisponibilites import Indisponibilite

#: (first day from today, length in days, motif) per profile, in turn.
PERIODES = [
    [(14, 5, "Congés"), (60, 2, "Jury d'examen")],
    [(21, 14, "Mission à l'étranger")],
    [(7, 1, None), (30, 30, "Congé de formation")],
]


def load_demo_indisponibilites(aujourdhui: date | None = None) -> None:
    if db.session.scalar(select(func.count()).select_from(Indisponibilite)):
        return
    aujourdhui = aujourdhui or date.today()
    profils = db.session.scalars(
        select(Intervenant.id).where(Intervenant.etat_inscription == EtatInscription.validee).order_by(Intervenant.id)
    ).all()
    for rang, pid in enumerate(profils[:6]):
        for debut, duree, motif in PERIODES[rang % len(PERIODES)]:
            du = aujourdhui + timedelta(days=debut)
            db.session.add(Indisponibilite(intervenant_id=pid, du=du, au=du + timedelta(days=duree - 1), motif=motif))
    db.session.commit()
