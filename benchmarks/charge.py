"""Load generation: wrk (C, negligible client cost next to a Python server on
the same two cores) driven by ``wrk_rapport.lua``; real logins over HTTP for
the sessions of the logged-in pages."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

SCRIPT = Path(__file__).with_name("wrk_rapport.lua")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class ChargeError(RuntimeError):
    pass


@dataclass(frozen=True)
class Mesure:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    erreurs: int

    @property
    def valide(self) -> bool:
        return self.erreurs == 0 and self.requests > 0


def wrk_disponible() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise ChargeError("wrk est introuvable : installez-le (Debian : « apt-get install wrk »).")
    return path


def _cookie(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def connecter(host: str, port: int, email: str, password: str) -> str:
    """Log in through the real form; returns the ``session=…`` cookie."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    cookie = _cookie(page.getheaders())
    match = _CSRF.search(body)
    if cookie is None or match is None:
        raise ChargeError("Page de connexion inattendue (pas de jeton CSRF ou de cookie de session).")
    conn.close()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    form = urlencode({"username": email, "password": password, "csrf_token": match.group(1) or match.group(2)})
    conn.request(
        "POST", "/login/", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    answer = conn.getresponse()
    answer.read()
    session = _cookie(answer.getheaders())
    conn.close()
    if answer.status != 302 or session is None or "/login" in (answer.getheader("Location") or ""):
        raise ChargeError(f"Connexion refusée pour {email} (HTTP {answer.status}).")
    return session


def verifier(host: str, port: int, path: str, cookie: str | None) -> None:
    """One request before the load: the page must answer 200 (not a login redirect)."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    if answer.status != 200:
        raise ChargeError(f"{path} répond HTTP {answer.status} avant la mesure.")


def lancer(url: str, requetes: list[tuple[str, str | None]], clients: int, duree: int) -> Mesure:
    """Closed loop: ``clients`` connections send the requests in turn for ``duree`` seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for path, cookie in requetes:
            f.write(f"{path}\t{cookie or ''}\n")
        liste = f.name
    try:
        out = subprocess.run(
            [wrk_disponible(), f"-t{min(clients, 2)}", f"-c{clients}", f"-d{duree}s", "--timeout", "60s",
             "-s", str(SCRIPT), url, "--", liste],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        Path(liste).unlink(missing_ok=True)
    line = next((x for x in out.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise ChargeError(f"Sortie de wrk illisible :\n{out}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    erreurs = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "non200"))
    return Mesure(
        requests=data["requests"],
        rps=round(data["requests"] / (data["duration_us"] / 1e6), 1),
        p50_ms=round(data["p50_us"] / 1000, 1),
        p95_ms=round(data["p95_us"] / 1000, 1),
        p99_ms=round(data["p99_us"] / 1000, 1),
        erreurs=erreurs,
    )
