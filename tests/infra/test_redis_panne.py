"""Issue #34, point 5: the rq worker and the periodic scheduler outlive a
Redis outage (they wait, with a growing logged delay, and go on), and a
frozen Redis (SIGSTOP) holds the web process's dispatch for a short timeout
only. Each test starts its own ``redis-server`` on a port of 5750-5799."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.cron import CronScheduler

from app import jobs
from app.infra import mail
from tests.outils.mails import port_de_test

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server absent")
RACINE = Path(__file__).resolve().parents[2]


class RedisDeTest:
    def __init__(self):
        self.port = port_de_test()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def demarrer(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("redis-server ne démarre pas")

    def arreter(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def redis_de_test():
    serveur = RedisDeTest()
    serveur.demarrer()
    yield serveur
    serveur.arreter()


def lancer(commande: list[str], journal: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")} | {
        "APP_CONFIG": "testing", "PYTHONUNBUFFERED": "1"}
    with journal.open("wb") as sortie:
        return subprocess.Popen(commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT,
                                start_new_session=True)


def arreter(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def attendre(condition, delai: float) -> bool:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        try:
            atteint = bool(condition())
        except Exception:  # noqa: BLE001 - Redis still down
            atteint = False
        if atteint:
            return True
        time.sleep(0.2)
    return False


def test_the_worker_waits_for_redis_and_goes_on(redis_de_test, tmp_path):
    journal = tmp_path / "worker.log"
    rq = Path(sys.executable).parent / "rq"
    worker = lancer([str(rq), "worker", "--url", redis_de_test.url, "--worker-class", "app.jobs.AppWorker",
                     "mail", "default"], journal)
    try:
        file = Queue("default", connection=Redis.from_url(redis_de_test.url))
        longue = file.enqueue("time.sleep", 2)
        assert attendre(lambda: longue.get_status(refresh=True) == "started", 60), journal.read_text()
        redis_de_test.arreter()  # Redis dies while a job runs: rq's heartbeat after it fails
        time.sleep(6)
        assert worker.poll() is None, journal.read_text()
        texte = journal.read_text()
        assert "Redis injoignable" in texte and "nouvel essai dans 1 s" in texte and "nouvel essai dans 2 s" in texte
        redis_de_test.demarrer()  # a new, empty Redis on the same port
        file = Queue("default", connection=Redis.from_url(redis_de_test.url))
        apres = file.enqueue("os.getpid")
        assert attendre(lambda: apres.get_status(refresh=True) == "finished", 40), journal.read_text()
        assert "Redis répond de nouveau" in journal.read_text()
    finally:
        arreter(worker)


def test_the_scheduler_waits_for_redis_and_goes_on(redis_de_test, tmp_path):
    journal = tmp_path / "cron.log"
    taches = tmp_path / "taches_chaque_seconde.py"  # app.jobs.cron's jobs run every minute at most
    taches.write_text("import os\nfrom rq import cron\ncron.register(os.getpid, queue_name='default', interval=1)\n")
    cron = lancer([sys.executable, "-m", "app.jobs.planificateur", "--url", redis_de_test.url,
                   "--config", str(taches)], journal)
    try:
        connexion = Redis.from_url(redis_de_test.url)
        assert attendre(lambda: CronScheduler.all(connexion), 60), journal.read_text()
        redis_de_test.arreter()
        time.sleep(5)
        assert cron.poll() is None, journal.read_text()
        texte = journal.read_text()
        assert "erreur Redis" in texte and "nouvel essai dans 1 s" in texte and "nouvel essai dans 2 s" in texte
        redis_de_test.demarrer()
        connexion = Redis.from_url(redis_de_test.url)
        assert attendre(lambda: CronScheduler.all(connexion) and Queue("default", connection=connexion).count, 40), \
            journal.read_text()
    finally:
        arreter(cron)


def test_a_frozen_redis_holds_a_dispatch_two_seconds_at_most(app, redis_de_test, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_de_test.url)
    monkeypatch.delitem(jobs._connections, redis_de_test.url, raising=False)
    redis_de_test.proc.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        debut = time.monotonic()
        mail.dispatch({123456: 0})  # what a decision's commit does
        duree = time.monotonic() - debut
    finally:
        redis_de_test.proc.send_signal(signal.SIGCONT)
        jobs._connections.pop(redis_de_test.url, None)
    assert duree < 3.5, duree
    assert "File de tâches indisponible" in caplog.text
