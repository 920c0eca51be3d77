"""Two application nodes behave as one (issue 38, point 4): two gunicorn
nodes on their own ports over the same PostgreSQL and Redis, as in
production (``APP_CONFIG=production``, ``app.infra.gunicorn``). A session
opened on one works on the other and its sign-out ends it there; sign-in
throttling counts the failures made on both; a referential edit shows on
the other within the documented cache delay; jobs enqueued by both run once
with two workers; each node is ready and its metrics add up its workers.
Run by the CI's PostgreSQL + Redis pass."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.infra import sante
from tests.conftest import (
    PASSWORD,
    SECRET_TOTP,
    Factory,
    code_totp,
    csrf_token_from,
    enroler,
    postgresql_only,
    preparer_schema,
)
from tests.outils import parallele
from tests.outils.ports import attendre_port, port_libre

requests = pytest.importorskip("requests")

pytestmark = [
    postgresql_only,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL (Redis) non défini"),
]

BIN = Path(sys.executable).parent
RACINE = Path(__file__).resolve().parents[2]
JETON = "jeton-metriques-deux-noeuds"
CACHE_REFERENTIELS = 2
CACHE_PAGES = 1


class Plateforme:
    def __init__(self, url, redis_url, dossier):
        self.url, self.redis_url, self.dossier = url, redis_url, dossier
        self.noeuds: list[tuple[str, subprocess.Popen]] = []
        self.env = {
            **os.environ,
            "APP_CONFIG": "production",
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "secret-partage-des-noeuds-" + "x" * 30,
            "ENCRYPTION_KEY": "dGVzdGluZy1rZXktZXNwYWNlLWludGVydmVuYW50czA=",
            "SESSION_COOKIE_SECURE": "0",
            "INSTANCE_PATH": str(dossier / "instance"),
            "UPLOAD_FOLDER": str(dossier / "fichiers"),
            "MAIL_FILE_DIR": str(dossier / "mail"),
            "AUTH_MAX_ECHECS": "3",
            "AUTH_SEUIL_CAPTCHA": "50",
            "AUTH_DELAI_INITIAL": "120",
            "CACHE_REFERENTIELS_SECONDES": str(CACHE_REFERENTIELS),
            "CACHE_PAGES_PUBLIQUES_SECONDES": str(CACHE_PAGES),
            "METRIQUES_JETON": JETON,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
        }
        for nom in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "MAIL_SERVER"):
            self.env.pop(nom, None)

    def demarrer_noeud(self) -> str:
        for _ in range(5):
            port = port_libre()
            with (self.dossier / f"noeud-{port}.log").open("wb") as journal:  # the child keeps its own copy
                processus = subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "python:app.infra.gunicorn", "--workers", "2",
                     "--bind", f"127.0.0.1:{port}", "app.wsgi:app"],
                    cwd=RACINE, env=self.env, stdout=journal, stderr=subprocess.STDOUT)
            try:
                attendre_port(port, 90, processus)
            except RuntimeError:  # the port was taken meanwhile: another one
                continue
            base = f"http://127.0.0.1:{port}"
            self.noeuds.append((base, processus))
            for _ in range(2):  # both workers booted (gunicorn listens before they are)
                requests.get(f"{base}/sante/vivant", timeout=120)
            return base
        raise RuntimeError("nœud non démarré")

    def arreter(self):
        for _, processus in self.noeuds:
            processus.terminate()
        for _, processus in self.noeuds:
            try:
                processus.wait(20)
            except subprocess.TimeoutExpired:
                processus.kill()


@pytest.fixture(scope="module")
def plateforme(tmp_path_factory):
    url = os.environ["TEST_DATABASE_URL"]
    nom = f"{make_url(url).database}_noeuds"
    cible = make_url(url).set(database=nom).render_as_string(hide_password=False)
    modele = parallele._etat.get("modele")
    parallele._creer(url, nom, modele)
    dossier = tmp_path_factory.mktemp("noeuds")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=cible, UPLOAD_FOLDER=str(dossier / "fichiers"),
                     MAIL_FILE_DIR=str(dossier / "mail"), REDIS_URL=None)
    with app.app_context():
        if modele is None:
            preparer_schema()
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        for tete in sante.tetes_des_migrations():
            db.session.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": tete})
        db.session.commit()
        fabrique = Factory(app)
        comptes = {role: fabrique.intervenant("DR-84")[0].email for role in ("a", "b", "victime")}
        administrateur = fabrique.admin_national()
        enroler(administrateur)
        comptes["admin"] = administrateur.email
        db.session.remove()
    from redis import Redis

    redis_url = os.environ["TEST_REDIS_URL"]
    Redis.from_url(redis_url).flushdb()
    p = Plateforme(cible, redis_url, dossier)
    p.app, p.comptes = app, comptes
    try:
        p.a = p.demarrer_noeud()
        p.b = p.demarrer_noeud()
        yield p
    finally:
        p.arreter()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        parallele.supprimer_base(cible)


def _connecter(session, base, email, password=PASSWORD):
    page = session.get(f"{base}/login/")
    return session.post(f"{base}/login/", data={"username": email, "password": password,
                                                "csrf_token": csrf_token_from(page.text)}, allow_redirects=False)


def _connecte(session, base) -> bool:
    reponse = session.get(f"{base}/mon-profil/", allow_redirects=False)
    return reponse.status_code == 200


def test_les_deux_noeuds_sont_prets(plateforme):
    for base in (plateforme.a, plateforme.b):
        reponse = requests.get(f"{base}/sante/pret", timeout=10)
        assert reponse.status_code == 200, reponse.text
        assert set(reponse.json()["verifications"]) == {"base", "migrations", "redis", "stockage"}


def test_session_ouverte_sur_l_un_fermee_sur_l_autre(plateforme):
    s = requests.Session()
    reponse = _connecter(s, plateforme.a, plateforme.comptes["a"])
    assert reponse.status_code == 302 and not reponse.headers["Location"].endswith("/login/")
    assert _connecte(s, plateforme.b)
    cookies = s.cookies.copy()
    page = s.get(f"{plateforme.b}/logout/")
    s.post(f"{plateforme.b}/logout/", data={"csrf_token": csrf_token_from(page.text)})
    ancienne = requests.Session()
    ancienne.cookies.update(cookies)  # the cookie copied before the sign-out
    assert not _connecte(ancienne, plateforme.a)


def test_ralentissement_compte_les_echecs_des_deux_noeuds(plateforme):
    email = plateforme.comptes["victime"]
    s = requests.Session()
    for base in (plateforme.a, plateforme.b, plateforme.a):  # AUTH_MAX_ECHECS=3, spread over both
        _connecter(s, base, email, "faux-" + PASSWORD)
    _connecter(s, plateforme.b, email)  # the right password, now held back on the other node
    assert not _connecte(s, plateforme.b)
    with plateforme.app.app_context():
        motifs = list(db.session.scalars(sa.text(
            "SELECT motif FROM tentative_connexion WHERE identifiant = :e ORDER BY id"), {"e": email}))
        db.session.remove()
    assert motifs == ["mot_de_passe"] * 3 + ["ralenti"]


def test_referentiel_modifie_visible_sur_l_autre_noeud_dans_le_delai(plateforme):
    """A national administrator renames a region in node A's console; node
    B's annonce search (cached lists) shows it within the documented delay."""
    s = requests.Session()
    with plateforme.app.app_context():
        region_id, ancien, chef_lieu = db.session.execute(sa.text(
            "SELECT id, nom, chef_lieu_commune FROM region WHERE actif AND NOT outre_mer ORDER BY id LIMIT 1")).one()
        db.session.remove()
    assert ancien in s.get(f"{plateforme.b}/annonces/").text  # node B has it cached now
    admin = requests.Session()
    reponse = _connecter(admin, plateforme.a, plateforme.comptes["admin"])
    assert reponse.headers["Location"].endswith("/login/code")
    page = admin.get(f"{plateforme.a}/login/code")
    reponse = admin.post(f"{plateforme.a}/login/code", data={"code": code_totp(SECRET_TOTP),
                                                             "csrf_token": csrf_token_from(page.text)},
                         allow_redirects=False)
    assert reponse.status_code == 302 and not reponse.headers["Location"].endswith("/login/code")
    nouveau = "Région renommée sur un autre nœud"
    url = f"{plateforme.a}/backoffice/bo_region/edit/?id={region_id}"
    reponse = admin.post(url, data={"csrf_token": csrf_token_from(admin.get(url).text), "nom": nouveau,
                                    "chef_lieu_commune": chef_lieu or "", "actif": "y"}, allow_redirects=False)
    assert reponse.status_code == 302, reponse.text[:500]
    debut = time.monotonic()
    while nouveau not in s.get(f"{plateforme.b}/annonces/").text:
        assert time.monotonic() - debut < CACHE_REFERENTIELS + CACHE_PAGES + 5, "modification non vue à temps"
        time.sleep(0.3)


def test_taches_enfilees_par_les_deux_noeuds_executees_une_fois(plateforme):
    """Each node enqueues e-mails (an identifier change sends two); two rq
    workers over the same Redis deliver each one exactly once, and their JSON
    lines carry the id of the request that enqueued the job."""
    envoyes_avant = {p.name for p in (plateforme.dossier / "mail").glob("*.eml")}
    for base, compte in ((plateforme.a, "a"), (plateforme.b, "b")):
        s = requests.Session()
        assert _connecter(s, base, plateforme.comptes[compte]).status_code == 302
        page = s.get(f"{base}/compte/email")
        nouvel = f"nouveau-{compte}-{os.getpid()}@example.org"  # production refuses the reserved .test domain
        reponse = s.post(f"{base}/compte/email", data={
            "email": nouvel, "email_confirmation": nouvel, "mot_de_passe_actuel": PASSWORD,
            "csrf_token": csrf_token_from(page.text)}, headers={"X-Request-ID": f"suivi-{compte}"},
            allow_redirects=False)
        assert reponse.status_code in (200, 302) and reponse.headers["X-Request-ID"] == f"suivi-{compte}"
    with plateforme.app.app_context():
        ids = list(db.session.scalars(sa.text("SELECT id FROM outbox_message WHERE template LIKE 'compte_changement_email%'")))
        db.session.remove()
    assert len(ids) == 4
    workers = []
    for n in range(2):
        with (plateforme.dossier / f"worker-{n}.log").open("wb") as sortie:
            workers.append(subprocess.Popen(
                [str(BIN / "rq"), "worker", "--burst", "--url", plateforme.redis_url,
                 "--worker-class", "app.jobs.AppWorker", "mail", "default"],
                cwd=RACINE, env=plateforme.env, stdout=sortie, stderr=subprocess.STDOUT))
    for worker in workers:
        assert worker.wait(120) == 0
    lignes_taches = [json.loads(ligne) for n in range(2)
                     for ligne in (plateforme.dossier / f"worker-{n}.log").read_text().splitlines()
                     if ligne.startswith("{") and '"app.taches"' in ligne]
    suivis = sorted(x["request_id"] for x in lignes_taches if x["tache"] == "deliver_outbox_message")
    assert suivis == ["suivi-a", "suivi-a", "suivi-b", "suivi-b"]
    with plateforme.app.app_context():
        lignes = db.session.execute(sa.text("SELECT id, status, attempts FROM outbox_message WHERE id = ANY(:ids)"),
                                    {"ids": ids}).all()
        db.session.remove()
    assert sorted((statut, essais) for _, statut, essais in lignes) == [("sent", 1)] * 4
    nouveaux = [p.name for p in (plateforme.dossier / "mail").glob("*.eml") if p.name not in envoyes_avant]
    for message_id in ids:
        assert sum(1 for nom in nouveaux if nom.endswith(f"-{message_id:06d}.eml")) == 1


def test_metriques_additionnent_les_workers_du_noeud(plateforme):
    for _ in range(6):
        requests.get(f"{plateforme.a}/sante/vivant", timeout=10)
    reponse = requests.get(f"{plateforme.a}/metrics", headers={"Authorization": f"Bearer {JETON}"}, timeout=10)
    assert reponse.status_code == 200
    total = sum(float(m.group(1)) for m in re.finditer(
        r'^espace_http_requetes_total\{[^}]*endpoint="sante.vivant"[^}]*statut="200"[^}]*\} (\S+)$',
        reponse.text, re.M))
    assert total >= 6
    assert "espace_rq_file_longueur" in reponse.text and "espace_outbox_messages" in reponse.text
    assert requests.get(f"{plateforme.a}/metrics", timeout=10).status_code == 404
