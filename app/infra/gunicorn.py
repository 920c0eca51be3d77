"""gunicorn settings of the web process: ``gunicorn -c python:app.infra.gunicorn``
(Procfile, deploy/systemd).

The workers share their Prometheus counters through files in
``PROMETHEUS_MULTIPROC_DIR`` (``app.infra.metriques``): the master sets it
(default: a folder of its own under the temporary directory) and empties it
before forking, and forgets a dead worker's live gauges.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_CREE = "ESPACE_METRIQUES_DOSSIER_CREE"


def on_starting(server) -> None:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(tempfile.gettempdir()) / f"espace-metriques-{os.getpid()}")
        os.environ[_CREE] = "1"
    dossier = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
    for ancien in dossier.glob("*.db"):  # counters of a previous run would add up
        ancien.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """The folder this master made is removed with it (a given one is kept)."""
    if os.environ.pop(_CREE, None):
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
