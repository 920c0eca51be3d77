"""Ports for the servers a test starts (gunicorn nodes, the S3 server):
the first free one of this suite's range (6060-6069, each pytest-xdist
worker starting at its own place in it), else one the system gives. A port
is checked free by binding it; a server that then loses it to another
process fails to start and its test picks again (``demarrer`` callers)."""

from __future__ import annotations

import os
import socket

PLAGE = range(6060, 6070)


def port_libre(plage=PLAGE) -> int:
    """A port free now on the loopback (first of ``plage``, else any)."""
    rang = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
    ports = list(plage)
    decalage = (rang * 3) % len(ports) if ports else 0
    for port in [*ports[decalage:], *ports[:decalage], 0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as essai:
            try:
                essai.bind(("127.0.0.1", port))
            except OSError:
                continue
            return essai.getsockname()[1]
    raise RuntimeError("aucun port libre")


def attendre_port(port: int, delai: float = 30.0, processus=None) -> None:
    """Until something listens on ``port`` (or ``processus`` exits: an error)."""
    import time

    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if processus is not None and processus.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté (code {processus.returncode})")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as essai:
            if essai.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"rien n'écoute sur le port {port}")
