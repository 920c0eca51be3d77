"""E-mail alerts on publication (manual §8, issue #5): the matching table,
no duplicates on re-publication, batches, one set-based query, a real SMTP
delivery."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.alertes import enregistrer_alertes
from app.models.annonces import AlerteEnvoyee, EtatAnnonce
from app.models.comptes import EtatInscription
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.referentiels import Region, SousSpecialite, Specialite
from app.workflows.annonce import annonce as workflow_annonce
from app.workflows.core import Acteur
from tests.outils.annonces import count_queries, creer_annonce, ref
from tests.outils.mails import run_jobs, smtp, smtp_server  # noqa: F401  (fixtures)

#: Annonce shapes: (spécialités, régions). The intervenants below work in A1 / région 84.
FORMES = {
    "specialite_et_region": (("A1",), ("84",)),
    "specialite_seule": (("A1",), ("11",)),
    "region_seule": (("A2",), ("84",)),
    "aucune": (("A2",), ("11",)),
}
#: Preferences → the shapes that must alert.
TABLE = {
    (): set(),
    ("alerte_specialites",): {"specialite_et_region", "specialite_seule"},
    ("alerte_regions",): {"specialite_et_region", "region_seule"},
    ("alerte_specialites", "alerte_regions"): {"specialite_et_region", "specialite_seule", "region_seule"},
    ("alerte_specialites_et_regions",): {"specialite_et_region"},
    ("alerte_specialites", "alerte_specialites_et_regions"): {"specialite_et_region", "specialite_seule"},
    ("alerte_regions", "alerte_specialites_et_regions"): {"specialite_et_region", "region_seule"},
}


def intervenant(factory, preferences=(), *, etat=EtatInscription.validee, specialites=("A1",), sous_specialites=(),
                regions=("84",), email=None):
    user, profil = factory.intervenant("DR-84", email=email)
    profil.etat_inscription = etat
    profil.specialites = [ref(Specialite, c) for c in specialites]
    profil.sous_specialites = [ref(SousSpecialite, c) for c in sous_specialites]
    profil.regions = [ref(Region, c) for c in regions]
    for preference in preferences:
        setattr(profil, preference, True)
    db.session.commit()
    return user, profil


def publier(annonce, gestionnaire):
    workflow_annonce.apply(annonce, "publier", Acteur.from_user(gestionnaire))
    db.session.commit()
    run_jobs(current_app)  # Redis mode: planning and batch jobs; inline: already done


def alertes(annonce) -> set[int]:
    return set(db.session.scalars(select(AlerteEnvoyee.intervenant_id).where(AlerteEnvoyee.annonce_id == annonce.id)))


@pytest.mark.parametrize("preferences", list(TABLE), ids=lambda p: "+".join(p) or "aucune_preference")
def test_matching_table(app, factory, preferences):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = intervenant(factory, preferences)
    for forme, (specialites, regions) in FORMES.items():
        annonce = creer_annonce(etat=EtatAnnonce.brouillon, specialites=specialites, regions=regions)
        publier(annonce, gestionnaire)
        envoye = profil.id in alertes(annonce)
        assert envoye == (forme in TABLE[preferences]), forme


def test_sous_specialite_counts_for_its_specialite(app, factory):
    _, profil = intervenant(factory, ("alerte_specialites",), specialites=(), sous_specialites=("A1A",), regions=())
    annonce = creer_annonce(etat=EtatAnnonce.brouillon, specialites=("A1",), regions=("11",))
    publier(annonce, factory.gestionnaire("DR-84"))
    assert alertes(annonce) == {profil.id}


@pytest.mark.parametrize("etat", [e for e in EtatInscription if e != EtatInscription.validee])
def test_only_validated_intervenants_are_alerted(app, factory, etat):
    intervenant(factory, ("alerte_specialites", "alerte_regions"), etat=etat)
    annonce = creer_annonce(etat=EtatAnnonce.brouillon)
    publier(annonce, factory.gestionnaire("DR-84"))
    assert alertes(annonce) == set()


def test_never_twice_even_when_published_again(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    acteur = Acteur.from_user(gestionnaire)
    user, premier = intervenant(factory, ("alerte_specialites",), email="premier@example.test")
    annonce = creer_annonce(etat=EtatAnnonce.brouillon)
    publier(annonce, gestionnaire)
    assert alertes(annonce) == {premier.id}
    workflow_annonce.apply(annonce, "depublier", acteur)
    db.session.commit()
    _, second = intervenant(factory, ("alerte_regions",), email="second@example.test")
    publier(annonce, gestionnaire)
    assert alertes(annonce) == {premier.id, second.id}
    envois = db.session.scalars(
        select(OutboxMessage.recipients).where(OutboxMessage.template == "annonce_alerte").order_by(OutboxMessage.id)
    ).all()
    assert envois == ["premier@example.test", "second@example.test"]
    # Recording again (a replayed signal) adds nothing either.
    enregistrer_alertes(annonce.id)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AlerteEnvoyee)) == 2


def test_alerts_are_written_in_batches(app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "ALERTES_TAILLE_LOT", 2)
    for i in range(5):
        intervenant(factory, ("alerte_specialites",), email=f"lot{i}@example.test")
    annonce = creer_annonce(etat=EtatAnnonce.brouillon)
    publier(annonce, factory.gestionnaire("DR-84"))
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "annonce_alerte")).all()
    assert sorted(r.recipients for r in rows) == [f"lot{i}@example.test" for i in range(5)]
    assert all(annonce.numero in r.subject for r in rows)
    # each batch job writes its slice at once (one timestamp per batch): 2 + 2 + 1
    assert sorted(Counter(r.created_at for r in rows).values()) == [1, 2, 2]
    assert db.session.scalar(
        select(func.count()).select_from(AlerteEnvoyee).where(AlerteEnvoyee.email_ecrit_le.is_(None))
    ) == 0


def test_matching_is_one_statement_whatever_the_number_of_people(app, factory):
    def statements(n):
        for _ in range(n):
            intervenant(factory, ("alerte_specialites", "alerte_regions"))
        annonce = creer_annonce(etat=EtatAnnonce.brouillon)
        with count_queries() as executed:
            enregistrer_alertes(annonce.id)
        db.session.rollback()
        return [s for s in executed if "alerte_envoyee" in s]

    few, many = statements(1), statements(12)
    assert len(few) == len(many) == 1
    assert few[0].lstrip().upper().startswith("INSERT INTO ALERTE_ENVOYEE")
    # Those already alerted are left to the unique key, not to an anti-join
    # reading the table being filled (quadratic on PostgreSQL: 80 s at 90,000
    # alerts): the statement names alerte_envoyee once, as its target.
    assert "ON CONFLICT" in few[0].upper() and few[0].lower().count("alerte_envoyee") == 1


def test_rollback_of_the_publication_sends_nothing(app, factory):
    intervenant(factory, ("alerte_specialites",))
    annonce = creer_annonce(etat=EtatAnnonce.brouillon)
    workflow_annonce.apply(annonce, "publier", Acteur.from_user(factory.gestionnaire("DR-84")))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AlerteEnvoyee)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_alert_reaches_a_real_smtp_server(app, factory, smtp):  # noqa: F811
    intervenant(factory, ("alerte_specialites_et_regions",), email="alerte.smtp@example.test")
    annonce = creer_annonce(etat=EtatAnnonce.brouillon, intitule="Lecture publique et bibliothèques")
    publier(annonce, factory.gestionnaire("DR-84"))
    run_jobs(app)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "alerte.smtp@example.test"
    assert annonce.numero in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Lecture publique et bibliothèques" in text
    assert f"/annonces/{annonce.numero}" in text
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == "alerte.smtp@example.test"))
    db.session.refresh(row)
    assert row.status == OutboxStatus.sent
