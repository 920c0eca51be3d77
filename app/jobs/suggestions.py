"""The weekly « Annonces pour vous » e-mail (issue 37, declared in
app/jobs/cron.py): each validated intervenant who ticked the choice in their
alert preferences gets, once per ISO week, the five open annonces that fit
best with their reasons (``app.operations.suggestions``, the same ranking as
the tableau de bord).

Each person is one transaction (``executer``): the week's row
(``envoi_annonces_pour_vous``, unique per intervenant and week) and the
e-mail in the outbox together, so a re-run, a second scheduler or a crash
half-way never sends twice; the people are read in id order, by batches,
those already done this week skipped by the same key. The ranking runs once
per person (a constant number of statements each).
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select

from app.extensions import db
from app.jobs import job
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.suggestions import EnvoiAnnoncesPourVous
from app.operations import executer
from app.operations.suggestions import envoyer_annonces_de_la_semaine, semaine_iso

log = logging.getLogger(__name__)

LOT = 200


@job
def envoyer_annonces_pour_vous(semaine: str | None = None) -> int:
    """Write this week's e-mails still due; returns how many were written."""
    semaine = semaine or semaine_iso(utcnow().date())
    envoyes, dernier = 0, 0
    while True:
        ids = db.session.scalars(
            select(Intervenant.id)
            .where(Intervenant.alerte_annonces_pour_vous.is_(True),
                   Intervenant.etat_inscription == EtatInscription.validee,
                   Intervenant.id > dernier,
                   ~exists().where(EnvoiAnnoncesPourVous.intervenant_id == Intervenant.id,
                                   EnvoiAnnoncesPourVous.semaine == semaine))
            .order_by(Intervenant.id).limit(LOT)
        ).all()
        db.session.rollback()  # end the read transaction before the per-person ones
        if not ids:
            break
        for intervenant_id in ids:
            try:
                envoyes += executer(envoyer_annonces_de_la_semaine, intervenant_id, semaine)
            except Exception:  # one person's failure does not stop the others; next run retries them
                log.exception("Annonces pour vous : envoi impossible pour l'intervenant %s.", intervenant_id)
        dernier = ids[-1]
    log.info("Annonces pour vous (%s) : %d e-mail(s).", semaine, envoyes)
    return envoyes
