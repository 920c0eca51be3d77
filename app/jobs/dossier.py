"""Periodic jobs of the dossier administratif (declared in app/jobs/cron.py), issue 20.

- ``rappeler_revisions``: a block validated 11 months ago → one reminder
  e-mail per dossier (manual §3.3.4: the dossier is revised every year);
- ``reviser_blocs``: validated 12 months ago → « à réviser » (workflow);
- ``rappeler_expirations``: an identity document 30 days before the end of
  its validity → one reminder;
- ``expirer_identites``: the document has expired → the validated identity
  block goes back to « demandé ».

Each dossier is committed on its own; a re-run repeats no reminder
(``rappel_revision``, ``rappel_expiration``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.infra.formatting import heure_de_paris
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.jobs import job
from app.models import base
from app.models.dossier import Bloc, BlocDossier, DossierAdministratif, EtatBloc
from app.operations import dossier as operations_dossier
from app.operations import executer
from app.workflows.core import Acteur, WorkflowError
from app.workflows.dossier import bloc_dossier

log = logging.getLogger(__name__)

DELAI_RAPPEL_REVISION = timedelta(days=335)  # 11 months
DELAI_REVISION = timedelta(days=365)
DELAI_RAPPEL_EXPIRATION = timedelta(days=30)
BATCH = 500


def _courriel(dossier: DossierAdministratif, sujet: str, **contexte) -> None:
    from flask_appbuilder.security.sqla.models import User


    user = db.session.get(User, dossier.intervenant.user_id)
    if user is not None and user.email:
        queue_email(user.email, "dossier_rappel", sujet, intervenant=dossier.intervenant,
                    lien=external_url("MonDossierView.page"), **contexte)


def _valides_avant(limite):
    return (select(BlocDossier).where(BlocDossier.etat == EtatBloc.valide, BlocDossier.date_decision < limite)
            .order_by(BlocDossier.dossier_id, BlocDossier.id).limit(BATCH))


@job
def rappeler_revisions() -> int:
    blocs = db.session.scalars(_valides_avant(base.utcnow() - DELAI_RAPPEL_REVISION)
                               .where(BlocDossier.rappel_revision.is_(False))).all()
    par_dossier: dict[int, list[BlocDossier]] = {}
    for bloc in blocs:
        par_dossier.setdefault(bloc.dossier_id, []).append(bloc)
    for lignes in par_dossier.values():
        _courriel(lignes[0].dossier, "Votre dossier administratif du CNFPT est à mettre à jour",
                  raison="revision", blocs=[b.libelle for b in lignes])
        for bloc in lignes:
            bloc.rappel_revision = True
        db.session.commit()
    return len(par_dossier)


@job
def reviser_blocs() -> int:
    blocs = db.session.scalars(_valides_avant(base.utcnow() - DELAI_REVISION)).all()
    for bloc in blocs:
        try:
            bloc_dossier.apply(bloc, "reviser", Acteur.systeme(), "Révision annuelle du dossier administratif")
            db.session.commit()
        except WorkflowError:
            db.session.rollback()
            log.exception("Bloc %s non passé à réviser", bloc.id)
    return len(blocs)


@job
def rappeler_expirations() -> int:
    aujourdhui = base.utcnow().date()
    dossiers = db.session.scalars(select(DossierAdministratif).where(
        DossierAdministratif.validite_fin.between(aujourdhui, aujourdhui + DELAI_RAPPEL_EXPIRATION),
        DossierAdministratif.rappel_expiration.is_(False),
    ).order_by(DossierAdministratif.id).limit(BATCH)).all()
    for dossier in dossiers:
        _courriel(dossier, "Votre document d'identité arrive à expiration", raison="expiration",
                  fin=dossier.validite_fin)
        dossier.rappel_expiration = True
        db.session.commit()
    return len(dossiers)


@job
def expirer_identites() -> int:
    aujourdhui = base.utcnow().date()
    blocs = db.session.scalars(select(BlocDossier).join(DossierAdministratif).where(
        BlocDossier.bloc == Bloc.identite, BlocDossier.etat == EtatBloc.valide,
        DossierAdministratif.validite_fin < aujourdhui,
    ).order_by(BlocDossier.id).limit(BATCH)).all()
    for bloc in blocs:
        bloc_dossier.apply(bloc, "expirer", Acteur.systeme(), "Document d'identité expiré")
        bloc.dossier.rappel_expiration = False
        _courriel(bloc.dossier, SUJET_EXPIRE, raison="expire")
        db.session.commit()
    return len(blocs)


SUJET_EXPIRE = "Votre document d'identité a expiré : votre dossier administratif est à compléter"


@job
def purger_lectures_sensibles() -> int:
    """Nightly: the daily counts of sensitive reads older than
    ``LECTURES_SENSIBLES_CONSERVATION_JOURS`` (Paris days) are deleted."""
    jours = current_app.config["LECTURES_SENSIBLES_CONSERVATION_JOURS"]
    avant = heure_de_paris(base.utcnow()).date() - timedelta(days=jours)
    supprimees = executer(operations_dossier.purger_lectures_sensibles, avant)
    log.info("%d compte(s) journalier(s) de lectures sensibles d'avant le %s supprimé(s).", supprimees, avant)
    return supprimees
