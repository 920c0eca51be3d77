"""`make run` e-mail links follow the port it serves on (issue 25, point 2)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from config import base_publique

RACINE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("environ", "attendu"), [
    ({}, "http://127.0.0.1:5000"),
    ({"PORT": "5081"}, "http://127.0.0.1:5081"),
    ({"PORT": "5081", "PUBLIC_BASE_URL": "https://intervenants.cnfpt.fr"}, "https://intervenants.cnfpt.fr"),
])
def test_la_base_des_liens_suit_le_port(environ, attendu):
    assert base_publique(environ) == attendu


@pytest.mark.skipif(shutil.which("make") is None, reason="make absent")
@pytest.mark.parametrize("appel", [["PORT=5081"], []])
def test_make_run_donne_son_port_a_l_application(appel):
    """PORT given on make's command line (or in the environment) reaches the
    processes of ``make run``: what the application reads for its links."""
    sortie = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "port-vu: ; @echo $$PORT", "port-vu", *appel],
        cwd=RACINE, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=True,
    ).stdout.strip()
    assert sortie == (appel[0].split("=")[1] if appel else "5000")


def test_les_liens_des_e_mails_prennent_la_base(app, monkeypatch):
    """An e-mail link is built on PUBLIC_BASE_URL (its port included)."""
    from app.infra.liens import external_url

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base_publique({"PORT": "5081"}))
    assert external_url("AuthDBView.login") == "http://127.0.0.1:5081/login/"
