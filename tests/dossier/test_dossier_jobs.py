"""Timers of the dossier administratif by time travel (issue 20): yearly
revision (reminder at 11 months, « à réviser » at 12) and identity documents
(reminder 30 days before the end of validity, back to « demandé » once expired)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.dossier import expirer_identites, rappeler_expirations, rappeler_revisions, reviser_blocs
from app.models import base
from app.models.dossier import Bloc, EtatBloc
from app.models.outbox import OutboxMessage
from app.operations.dossier import demander, dossier_de, examiner, transmettre
from app.security.scope import structure_id_of_user
from app.workflows.core import Acteur

_REAL_UTCNOW = base.utcnow


def travel(monkeypatch, days):
    real = _REAL_UTCNOW()
    monkeypatch.setattr(base, "utcnow", lambda: real + timedelta(days=days))


def _rappels(email):
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "dossier_rappel", OutboxMessage.recipients == email).order_by(OutboxMessage.id)).all()


@pytest.fixture
def valide(factory):
    """A dossier whose identity and bank blocks were validated today."""
    user, profil = factory.intervenant("DR-84")
    gestionnaire = factory.gestionnaire("DR-84")
    acteur = Acteur.from_user(gestionnaire)
    demander(profil, [Bloc.identite, Bloc.bancaire], acteur, structure_id_of_user(gestionnaire.id))
    dossier = dossier_de(profil)
    dossier.validite_fin = base.utcnow().date() + timedelta(days=100)
    transmettre(dossier, [Bloc.identite, Bloc.bancaire], Acteur.from_user(user))
    examiner(dossier, {Bloc.identite: ("valider", None), Bloc.bancaire: ("valider", None)}, acteur)
    db.session.commit()
    return user, dossier


def test_revision_annuelle(valide, monkeypatch):
    user, dossier = valide
    travel(monkeypatch, 300)
    assert rappeler_revisions() == 0 and reviser_blocs() == 0
    travel(monkeypatch, 336)
    assert rappeler_revisions() == 1  # one e-mail for the dossier
    assert rappeler_revisions() == 0  # only once
    rappel = _rappels(user.email)[-1]
    assert "Document d'identité" in rappel.body_text and "Informations bancaires" in rappel.body_text
    assert reviser_blocs() == 0
    travel(monkeypatch, 366)
    assert reviser_blocs() == 2
    db.session.expire_all()
    assert {b.bloc: b.etat for b in dossier.blocs if b.bloc in (Bloc.identite, Bloc.bancaire)} == {
        Bloc.identite: EtatBloc.a_reviser, Bloc.bancaire: EtatBloc.a_reviser}


def test_expiration_du_document_d_identite(valide, monkeypatch):
    user, dossier = valide
    travel(monkeypatch, 60)
    assert rappeler_expirations() == 0
    travel(monkeypatch, 75)
    assert rappeler_expirations() == 1
    assert rappeler_expirations() == 0
    assert "arrive à expiration" in _rappels(user.email)[-1].body_text
    assert expirer_identites() == 0
    travel(monkeypatch, 101)
    assert expirer_identites() == 1
    db.session.expire_all()
    assert dossier.bloc(Bloc.identite).etat == EtatBloc.demande
    assert dossier.bloc(Bloc.bancaire).etat == EtatBloc.valide
    assert "a expiré" in _rappels(user.email)[-1].body_text


def test_daily_counts_of_sensitive_reads_are_deleted_after_their_retention(app, factory):
    """A staff account's daily count of sensitive reads is kept
    LECTURES_SENSIBLES_CONSERVATION_JOURS Paris days, then purged nightly."""
    from redis import Redis
    from rq.cron import CronScheduler

    from app.infra.formatting import heure_de_paris
    from app.jobs.dossier import purger_lectures_sensibles
    from app.models.consultations import LecturesSensibles

    gestionnaire = factory.gestionnaire("DR-84")
    aujourdhui = heure_de_paris(base.utcnow()).date()
    jours = app.config["LECTURES_SENSIBLES_CONSERVATION_JOURS"]
    for age in (jours + 30, jours + 1, jours, 0):
        db.session.add(LecturesSensibles(user_id=gestionnaire.id, jour=aujourdhui - timedelta(days=age), nombre=3))
    db.session.commit()
    assert purger_lectures_sensibles() == 2
    restants = db.session.scalars(select(LecturesSensibles.jour).where(
        LecturesSensibles.user_id == gestionnaire.id).order_by(LecturesSensibles.jour)).all()
    assert restants == [aujourdhui - timedelta(days=jours), aujourdhui]
    planificateur = CronScheduler(connection=Redis())  # no connection opened to load the table
    planificateur.load_config_from_file("app.jobs.cron")
    assert "app.jobs.dossier.purger_lectures_sensibles" in {t.func_name for t in planificateur._cron_jobs}
