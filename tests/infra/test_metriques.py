"""Prometheus metrics (issue 38, point 2): /metrics closed without the
bearer token, request counts and latencies per endpoint and status, outbox
and rq gauges, sign-in and second-factor failures, sensitive reads."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.models.authentification import TentativeConnexion
from app.models.base import utcnow
from app.models.consultations import Consultation, ObjetConsultation
from app.models.outbox import OutboxMessage, OutboxStatus
from tests.conftest import PASSWORD, csrf_token_from

JETON = "jeton-de-test-des-metriques"


@pytest.fixture
def avec_jeton(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRIQUES_JETON", JETON)


def _valeur(nom, **etiquettes) -> float:
    return REGISTRY.get_sample_value(nom, etiquettes) or 0.0


def _gratter(client) -> dict:
    reponse = client.get("/metrics", headers={"Authorization": f"Bearer {JETON}"})
    assert reponse.status_code == 200
    assert reponse.headers["Content-Type"].startswith("text/plain")
    echantillons = {}
    for famille in text_string_to_metric_families(reponse.get_data(as_text=True)):
        for e in famille.samples:
            echantillons[(e.name, tuple(sorted(e.labels.items())))] = e.value
    return echantillons


def test_ferme_sans_jeton_configure(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_ferme_sans_le_bon_jeton(client, avec_jeton):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer autre"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Basic {JETON}"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {JETON}"}).status_code == 200


def test_requetes_par_endpoint_et_statut(client, avec_jeton):
    avant = _valeur("espace_http_requetes_total", endpoint="sante.vivant", methode="GET", statut="200")
    avant_404 = _valeur("espace_http_requetes_total", endpoint="inconnu", methode="GET", statut="404")
    duree_avant = _valeur("espace_http_requete_duree_secondes_count", endpoint="sante.vivant", methode="GET",
                          statut="200")
    client.get("/sante/vivant")
    client.get("/sante/vivant")
    client.get("/pas-une-page-xyz")
    echantillons = _gratter(client)
    cle = ("espace_http_requetes_total", (("endpoint", "sante.vivant"), ("methode", "GET"), ("statut", "200")))
    assert echantillons[cle] == avant + 2
    assert _valeur("espace_http_requetes_total", endpoint="inconnu", methode="GET", statut="404") == avant_404 + 1
    assert _valeur("espace_http_requete_duree_secondes_count", endpoint="sante.vivant", methode="GET",
                   statut="200") == duree_avant + 2
    # the scrape itself is not counted
    assert not any(nom == "espace_http_requetes_total" and ("endpoint", "metriques.exposition") in etiq
                   for nom, etiq in echantillons)


def test_requete_refusee_avant_la_vue_comptee(client, avec_jeton):
    """A request refused by an earlier before_request (a row id no row can
    have: 404 from app.infra.errors) is counted under its endpoint."""
    avant = _valeur("espace_http_requetes_total", endpoint="bo_region.edit_view", methode="GET", statut="404")
    reponse = client.get("/backoffice/bo_region/edit/?id=" + "9" * 30)
    assert reponse.status_code == 404
    assert _valeur("espace_http_requetes_total", endpoint="bo_region.edit_view", methode="GET",
                   statut="404") == avant + 1


def test_outbox_en_attente_en_echec_et_age(client, avec_jeton):
    ancien = utcnow() - timedelta(minutes=30)
    for n, (statut, cree) in enumerate(((OutboxStatus.pending, ancien), (OutboxStatus.pending, utcnow()),
                                        (OutboxStatus.failed, utcnow()), (OutboxStatus.sent, utcnow()))):
        # written as rows (no ORM object: the outbox's events would send them at once)
        db.session.execute(sa.insert(OutboxMessage).values(
            recipients="x@example.test", subject="s", body_text="b", body_html="b", template="t",
            message_id=f"<metriques-{n}@test>", status=statut, created_at=cree, attempts=0))
    db.session.commit()
    echantillons = _gratter(client)
    assert echantillons[("espace_outbox_messages", (("statut", "pending"),))] >= 2
    assert echantillons[("espace_outbox_messages", (("statut", "failed"),))] >= 1
    assert echantillons[("espace_outbox_plus_ancien_en_attente_secondes", ())] >= 30 * 60 - 5


def test_echecs_de_connexion_par_le_formulaire(client, factory, avec_jeton):
    user, _ = factory.intervenant()
    avant = _valeur("espace_connexion_echecs_total", canal="web")
    page = client.get("/login/")
    client.post("/login/", data={"username": user.email, "password": "faux-" + PASSWORD,
                                 "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert _valeur("espace_connexion_echecs_total", canal="web") == avant + 1


def test_echecs_du_second_facteur_et_lectures_sensibles(factory):
    user, profil = factory.intervenant()
    code = _valeur("espace_deux_facteurs_echecs_total", canal="web")
    nir = _valeur("espace_lectures_sensibles_total", objet="nir")
    db.session.add(TentativeConnexion(identifiant=user.email, user_id=user.id, succes=False, motif="code",
                                      canal="web"))
    db.session.add(Consultation(user_id=user.id, objet=ObjetConsultation.nir.value, intervenant_id=profil.id))
    db.session.flush()
    db.session.rollback()  # rolled back: nothing counted
    assert _valeur("espace_deux_facteurs_echecs_total", canal="web") == code
    db.session.add(TentativeConnexion(identifiant=user.email, user_id=user.id, succes=False, motif="code",
                                      canal="web"))
    db.session.add(Consultation(user_id=user.id, objet=ObjetConsultation.nir.value, intervenant_id=profil.id))
    db.session.commit()
    assert _valeur("espace_deux_facteurs_echecs_total", canal="web") == code + 1
    assert _valeur("espace_lectures_sensibles_total", objet="nir") == nir + 1


def test_telechargement_compte_comme_lecture_sensible(factory):
    from app.models.fichiers import AccesFichier, Fichier

    user, _ = factory.intervenant()
    avant = _valeur("espace_lectures_sensibles_total", objet="fichier")
    fichier = Fichier(storage_key="ab/" + "0" * 32, original_name="a.pdf", content_type="application/pdf", size=1,
                      sensitive=True, sha256="0" * 64, owner_user_id=user.id)
    db.session.add(fichier)
    db.session.flush()
    db.session.add(AccesFichier(fichier_id=fichier.id, user_id=user.id))
    db.session.commit()
    assert _valeur("espace_lectures_sensibles_total", objet="fichier") == avant + 1


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL (Redis) non défini")
def test_files_rq(client, avec_jeton):
    echantillons = _gratter(client)
    assert ("espace_rq_file_longueur", (("file", "default"),)) in echantillons
    assert ("espace_rq_file_echecs", (("file", "mail"),)) in echantillons
