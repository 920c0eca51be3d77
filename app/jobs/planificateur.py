"""The periodic jobs' scheduler (``app.jobs.cron``), outliving a Redis outage.

Started (one process for the whole platform) with::

    python -m app.jobs.planificateur --url "$REDIS_URL"

``rq cron`` exits at the first Redis error (issue #34: restarted 6 times in
a 60 s outage); this scheduler logs the error, waits for Redis with a growing
delay (``app.jobs.ATTENTES_REDIS``) and goes on with the same jobs. It stops
on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from app.jobs import attendre_redis

log = logging.getLogger(__name__)


class PlanificateurPatient(CronScheduler):
    """rq's CronScheduler whose loop survives Redis errors."""

    def start(self) -> None:
        self.log.info("CronScheduler %s: starting...", self.name)
        self._install_signal_handlers()
        try:
            while True:
                try:
                    self.register_birth()
                    while True:
                        if self.enqueue_jobs():
                            self.save()
                        self.heartbeat()
                        attente = self.calculate_sleep_interval()
                        if attente > 0:
                            time.sleep(attente)
                except (RedisConnectionError, RedisTimeoutError) as exc:
                    log.warning("Planificateur %s : erreur Redis (%s) ; attente de Redis avant de reprendre.",
                                self.name, exc)
                    attendre_redis(self.connection, f"Planificateur {self.name}")
        except (KeyboardInterrupt, StopRequested):
            self.log.info("CronScheduler %s: stop requested", self.name)
        finally:
            try:
                self.register_death()
            except (RedisConnectionError, RedisTimeoutError):
                pass
            self.log.info("CronScheduler %s: shutdown complete", self.name)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Planificateur des tâches périodiques (app.jobs.cron).")
    parser.add_argument("--url", default=os.environ.get("REDIS_URL"), help="Redis (défaut : REDIS_URL)")
    parser.add_argument("--config", default="app.jobs.cron", help="module des tâches périodiques")
    args = parser.parse_args(argv)
    if not args.url:
        raise SystemExit("REDIS_URL absent : sans Redis, rien ne tourne périodiquement.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    planificateur = PlanificateurPatient(connection=Redis.from_url(args.url, socket_connect_timeout=5,
                                                                    socket_timeout=30))
    planificateur.load_config_from_file(args.config)
    planificateur.start()


if __name__ == "__main__":
    main()
