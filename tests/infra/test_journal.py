"""Structured logs (issue 38, point 3): one JSON line per request and per
job, the request id taken from X-Request-ID or generated, returned, and
passed to the jobs the request enqueues."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest

from app import jobs
from app.infra import journal


@pytest.fixture
def lignes():
    """The JSON lines logged during the test (the root logger's handlers are given back)."""
    racine = logging.getLogger()
    avant, niveau = list(racine.handlers), racine.level
    flux = io.StringIO()
    journal.configurer_json(flux)
    try:
        yield lambda: [json.loads(ligne) for ligne in flux.getvalue().splitlines() if ligne.strip()]
    finally:
        racine.handlers, racine.level = avant, niveau


def _requetes(lignes):
    return [ligne for ligne in lignes() if ligne["journal"] == "app.requetes"]


def test_une_ligne_json_par_requete_avec_son_id(client, login_as, lignes):
    intervenant = login_as("intervenant")
    reponse = intervenant.get("/mon-profil/", headers={"X-Request-ID": "lb-1234.abc"})
    assert reponse.headers["X-Request-ID"] == "lb-1234.abc"
    (ligne,) = [x for x in _requetes(lignes) if x["request_id"] == "lb-1234.abc"]
    assert ligne["user_id"] == intervenant.user.id
    assert ligne["methode"] == "GET" and ligne["statut"] == reponse.status_code == 200
    assert ligne["route"] and ligne["endpoint"]
    assert isinstance(ligne["duree_ms"], float)
    assert {"horodatage", "niveau", "message"} <= set(ligne)
    texte = json.dumps(ligne)
    assert intervenant.user.email not in texte and intervenant.user.last_name not in texte


def test_id_genere_quand_absent_ou_invalide(client, lignes):
    premiere = client.get("/", headers={"X-Request-ID": "a b;<faux>" + "x" * 200})
    seconde = client.get("/")
    ids = {premiere.headers["X-Request-ID"], seconde.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(i) == 32 and "\n" not in i for i in ids)
    assert {x["request_id"] for x in _requetes(lignes)} >= ids
    assert all(x["user_id"] is None for x in _requetes(lignes))


def test_sondes_non_journalisees_sauf_en_echec(client, lignes):
    client.get("/sante/vivant")
    assert not [x for x in _requetes(lignes) if x["endpoint"] == "sante.vivant"]


def test_les_enregistrements_pendant_la_requete_portent_son_id(app, lignes):
    with app.test_request_context("/", headers={"X-Request-ID": "req-42"}):
        journal._debut()
        logging.getLogger("app.essai").warning("pendant la requête")
        journal._fin_de_contexte(None)
    (ligne,) = [x for x in lignes() if x["journal"] == "app.essai"]
    assert ligne["request_id"] == "req-42"


@jobs.job
def _tache_essai(valeur):
    logging.getLogger("app.essai").info("dans la tâche")
    return valeur


def test_tache_en_ligne_sous_l_id_de_la_requete(app, lignes):
    with app.test_request_context("/"):
        jeton = journal.ID_REQUETE.set("req-en-ligne")
        try:
            jobs.enqueue(_tache_essai, 3) if not app.config.get("REDIS_URL") else _tache_essai(3)
        finally:
            journal.ID_REQUETE.reset(jeton)
    (ligne,) = [x for x in lignes() if x["journal"] == "app.taches"]
    assert ligne["request_id"] == "req-en-ligne"
    assert ligne["tache"].endswith("_tache_essai") and ligne["statut"] == "ok"
    assert [x["request_id"] for x in lignes() if x["journal"] == "app.essai"] == ["req-en-ligne"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL (Redis) non défini")
def test_tache_rq_sous_l_id_de_la_requete(app, lignes):
    """Through Redis: the rq job carries the request id in its meta and the
    worker's line says it (one request followed into its job)."""
    from rq import SimpleWorker

    file = jobs.get_queue("default")
    file.empty()
    with app.test_request_context("/"):
        jeton = journal.ID_REQUETE.set("req-vers-rq")
        try:
            tache = jobs.enqueue(_tache_essai, 5)
        finally:
            journal.ID_REQUETE.reset(jeton)
    assert tache.meta["request_id"] == "req-vers-rq"
    with app.app_context():
        SimpleWorker([file], connection=jobs.redis_connection()).work(burst=True)
    (ligne,) = [x for x in lignes() if x["journal"] == "app.taches"]
    assert ligne["request_id"] == "req-vers-rq" and ligne["job_id"] == tache.id and ligne["statut"] == "ok"


def test_production_ecrit_du_json():
    from config import DefaultConfig, ProductionConfig

    assert ProductionConfig.JOURNAL_JSON is True
    assert DefaultConfig.JOURNAL_JSON is False
