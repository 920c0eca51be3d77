"""E-mail alerts on publication of an annonce (manual §8).

1. ``enregistrer_alertes`` (in the publishing transaction): ONE
   ``INSERT INTO alerte_envoyee … SELECT … ON CONFLICT DO NOTHING`` adds a row
   for every validated intervenant whose preferences match and who was never
   alerted for this annonce. Spécialités OR régions for the first two choices (additive), both
   for the third (restrictive). The unique key (annonce, intervenant) makes a
   re-publication never alert anyone twice.
2. After the commit, ``planifier_envoi`` (a job) cuts the new rows into id
   ranges and enqueues one ``envoyer_lot`` job per range.
3. ``envoyer_lot`` renders the e-mail once for the annonce, bulk-inserts the
   outbox rows of its slice, marks the slice written and hands the rows to
   the outbox dispatcher. A re-run of a batch skips rows already written.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app, render_template
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.infra import mail
from app.infra.liens import external_url
from app.infra.mail import FIRST_DISPATCH_GRACE, _sender_domain, dispatch
from app.jobs import enqueue, job
from app.models.annonces import AlerteEnvoyee, Annonce, annonce_region, annonce_specialite
from app.models.base import utcnow
from app.models.comptes import (
    EtatInscription,
    Intervenant,
    intervenant_region,
    intervenant_sous_specialite,
    intervenant_specialite,
)
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.referentiels import SousSpecialite

log = logging.getLogger(__name__)

TAILLE_LOT = 500
_SESSION_KEY = "alertes_a_planifier"
SUJET = "Nouvelle annonce publiée sur l'Espace Intervenants : {numero}"


def condition_correspondance(annonce_id):
    """SQL condition on ``Intervenant``: do its alert preferences match the annonce?"""
    specialite_directe = (
        select(1)
        .select_from(intervenant_specialite.join(
            annonce_specialite, annonce_specialite.c.specialite_id == intervenant_specialite.c.specialite_id
        ))
        .where(intervenant_specialite.c.intervenant_id == Intervenant.id, annonce_specialite.c.annonce_id == annonce_id)
        .exists()
    )
    # An intervenant who picked a sous-spécialité works in its spécialité.
    specialite_par_sous = (
        select(1)
        .select_from(
            intervenant_sous_specialite.join(
                SousSpecialite, SousSpecialite.id == intervenant_sous_specialite.c.sous_specialite_id
            ).join(annonce_specialite, annonce_specialite.c.specialite_id == SousSpecialite.specialite_id)
        )
        .where(
            intervenant_sous_specialite.c.intervenant_id == Intervenant.id,
            annonce_specialite.c.annonce_id == annonce_id,
        )
        .exists()
    )
    region = (
        select(1)
        .select_from(intervenant_region.join(annonce_region, annonce_region.c.region_id == intervenant_region.c.region_id))
        .where(intervenant_region.c.intervenant_id == Intervenant.id, annonce_region.c.annonce_id == annonce_id)
        .exists()
    )
    specialite = sa.or_(specialite_directe, specialite_par_sous)
    return sa.and_(
        Intervenant.etat_inscription == EtatInscription.validee,
        sa.or_(
            sa.and_(Intervenant.alerte_specialites.is_(True), specialite),
            sa.and_(Intervenant.alerte_regions.is_(True), region),
            sa.and_(Intervenant.alerte_specialites_et_regions.is_(True), specialite, region),
        ),
    )


def enregistrer_alertes(annonce_id: int) -> None:
    """Record the alerts due for this annonce (one set-based statement) and
    plan their sending for after the caller's commit."""
    destinataires = select(sa.literal(annonce_id), Intervenant.id, sa.literal(utcnow())).where(
        condition_correspondance(annonce_id)
    )
    # Those already alerted are skipped by the unique key, not by NOT EXISTS:
    # PostgreSQL may run that anti-join as a nested loop over the index entries
    # of this annonce, which this very statement keeps adding (invisible to
    # it): quadratic, 80 s instead of 5 s at 90,000 alerts (BENCHMARKS.md).
    dialecte = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialecte.insert(AlerteEnvoyee)
        .from_select(["annonce_id", "intervenant_id", "created_at"], destinataires)
        .on_conflict_do_nothing(index_elements=["annonce_id", "intervenant_id"])
    )
    db.session.info.setdefault(_SESSION_KEY, set()).add(annonce_id)


# -- after commit -----------------------------------------------------------
def _apres_commit(session) -> None:
    if session.in_nested_transaction():
        return
    for annonce_id in sorted(session.info.pop(_SESSION_KEY, ())):
        try:
            enqueue(planifier_envoi, annonce_id)
        except Exception:  # rows stay unwritten: relancer_alertes (cron) takes them
            log.exception("Alertes de l'annonce %s : planification impossible.", annonce_id)


def _oublier(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SESSION_KEY, None)


def init_session_events() -> None:
    for name, listener in (("after_commit", _apres_commit), ("after_transaction_end", _oublier)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _job_session():
    """Jobs may run inline from ``after_commit``: they use a session of their own."""
    return db.session.session_factory()


@job
def planifier_envoi(annonce_id: int) -> int:
    """Cut the unwritten alerts of the annonce into id ranges, one job each."""
    session = _job_session()
    try:
        ids = session.scalars(
            select(AlerteEnvoyee.id)
            .where(AlerteEnvoyee.annonce_id == annonce_id, AlerteEnvoyee.email_ecrit_le.is_(None))
            .order_by(AlerteEnvoyee.id)
        ).all()
    finally:
        session.close()
    taille = current_app.config.get("ALERTES_TAILLE_LOT", TAILLE_LOT)
    lots = [ids[i : i + taille] for i in range(0, len(ids), taille)]
    for lot in lots:
        enqueue(envoyer_lot, annonce_id, lot[0], lot[-1])
    if ids:
        log.info("Annonce %s : %d alerte(s) en %d lot(s).", annonce_id, len(ids), len(lots))
    return len(lots)


@job
def envoyer_lot(annonce_id: int, premier_id: int, dernier_id: int) -> int:
    """Write the outbox rows of one slice of alerts, then dispatch them."""
    config = current_app.config
    session = _job_session()
    try:
        annonce = session.get(Annonce, annonce_id)
        if annonce is None:
            return 0
        rows = session.execute(
            select(AlerteEnvoyee.id, User.email)
            .join(Intervenant, Intervenant.id == AlerteEnvoyee.intervenant_id)
            .join(User, User.id == Intervenant.user_id)
            .where(
                AlerteEnvoyee.annonce_id == annonce_id,
                AlerteEnvoyee.id.between(premier_id, dernier_id),
                AlerteEnvoyee.email_ecrit_le.is_(None),
            )
            .with_for_update(skip_locked=True, of=AlerteEnvoyee)
        ).all()
        if not rows:
            session.rollback()
            return 0
        subject = SUJET.format(numero=annonce.numero)
        context = dict(
            annonce=annonce,
            lien=external_url("AnnoncesPubliquesView.detail", numero=annonce.numero),
            lien_alertes=external_url("AccueilView.index"),
            subject=subject,
            base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
        )
        text = render_template("emails/annonce_alerte.txt", **context)
        html = render_template("emails/annonce_alerte.html", **context)
        domain = _sender_domain(config["MAIL_DEFAULT_SENDER"])
        created, due = mail.now(), mail.now() + FIRST_DISPATCH_GRACE
        valides = [(alerte_id, email) for alerte_id, email in rows if email and "@" in parseaddr(email)[1]]
        message_ids = []
        if valides:
            message_ids = session.scalars(
                sa.insert(OutboxMessage).returning(OutboxMessage.id),
                [
                    dict(
                        recipients=email,
                        subject=subject,
                        body_text=text,
                        body_html=html,
                        template="annonce_alerte",
                        message_id=make_msgid(domain=domain),
                        status=OutboxStatus.pending,
                        attempts=0,
                        created_at=created,
                        next_attempt_at=due,
                    )
                    for _, email in valides
                ],
            ).all()
        session.execute(
            sa.update(AlerteEnvoyee)
            .where(AlerteEnvoyee.id.in_([alerte_id for alerte_id, _ in rows]))
            .values(email_ecrit_le=utcnow())
        )
        session.commit()
    finally:
        session.close()
    dispatch(dict.fromkeys(message_ids, 0))
    return len(message_ids)


@job
def relancer_alertes() -> int:
    """Periodic safety net: plan the alerts recorded but never written
    (Redis was down at commit time)."""
    annonce_ids = db.session.scalars(
        select(AlerteEnvoyee.annonce_id)
        .where(AlerteEnvoyee.email_ecrit_le.is_(None), AlerteEnvoyee.created_at < utcnow() - timedelta(minutes=5))
        .distinct()
    ).all()
    for annonce_id in annonce_ids:
        enqueue(planifier_envoi, annonce_id)
    return len(annonce_ids)
