"""Browser tests: the application served by a real HTTP server, driven by
Playwright in Debian's chromium, axe-core injected into every page.

Why in-process: the server (werkzeug, one request at a time, in a thread)
serves the tests' own application and database transaction, so a test
builds its rows with the usual factory, and everything is rolled back
after it as in the other tests. The test thread and the server never use
the database at once: requests hold ``VERROU``, and the test takes it
(``page_calme``/``base``) before touching rows.

Run only when asked (``--navigateur``, `make test-navigateur`) and when
chromium is there: skipped otherwise, with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app.extensions import db

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "axe" / "axe.min.js"
#: One journey step waits at most this long (ms).
ATTENTE = 15_000
VERROU = threading.RLock()


def pytest_collection_modifyitems(config, items):
    ici = Path(__file__).parent
    raison = None
    if not config.getoption("--navigateur"):
        raison = "tests dans le navigateur : lancer avec --navigateur (make test-navigateur)"
    elif not Path(CHROMIUM).exists():
        raison = f"chromium absent ({CHROMIUM}) : apt-get install chromium"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            raison = "paquet playwright absent : pip install -e '.[navigateur]'"
    if raison:
        for item in items:
            if ici in Path(item.fspath).parents:
                item.add_marker(pytest.mark.skip(reason=raison))


class _Serialise:
    """WSGI wrapper: one request at a time, never while the test uses the database."""

    def __init__(self, wsgi):
        self.wsgi = wsgi

    def __call__(self, environ, start_response):
        with VERROU:
            reponse = self.wsgi(environ, start_response)
            try:
                return list(reponse)
            finally:
                if hasattr(reponse, "close"):
                    reponse.close()


class _Silencieux(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def serveur(app):
    """The base URL of the tests' application served over HTTP."""
    http = make_server("127.0.0.1", 0, _Serialise(app.wsgi_app), threaded=False, request_handler=_Silencieux)
    fil = threading.Thread(target=http.serve_forever, daemon=True)
    fil.start()
    base = f"http://127.0.0.1:{http.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    yield base
    http.shutdown()
    http.server_close()


@pytest.fixture(scope="session")
def navigateur():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@contextmanager
def base():
    """Use the database from the test: no request is being served meanwhile."""
    with VERROU:
        yield
        db.session.commit()


def _source_axe() -> str:
    if not hasattr(_source_axe, "texte"):
        _source_axe.texte = AXE.read_text(encoding="utf-8")
    return _source_axe.texte


def injecter_axe(contexte) -> None:
    """axe-core in every page the context loads, before the page's own scripts
    (an init script: sent to the browser once, run at each load, not subject
    to the page's CSP, which allows no inline or foreign script)."""
    contexte.add_init_script(script=_source_axe())


def audit_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (every default rule,
    WCAG 2.1 A/AA and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # A page of a context without the init script: evaluated here, not subject to the CSP either.
        page.evaluate(_source_axe())
    resultat = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        {"regle": v["id"], "impact": v["impact"], "aide": v["help"],
         "elements": [n["target"] for n in v["nodes"]][:8],
         "detail": v["nodes"][0].get("failureSummary", "")[:300]}
        for v in resultat
    ]


def _sans_ancre(url: str) -> str:
    """An anchor (« Aller au contenu ») moves within the page already checked."""
    return url.split("#")[0]


class Visite:
    """A browser tab whose every page is checked by axe-core (``verifier``);
    at the end, a page the journey reached but never checked fails the test."""

    def __init__(self, page, base_url):
        self.page, self.base_url = page, base_url
        self.vues: list[str] = []
        self.verifiees: set[str] = set()
        page.on("framenavigated", lambda frame: frame == page.main_frame and self.vues.append(_sans_ancre(frame.url)))

    def aller(self, chemin: str):
        self.page.goto(self.base_url + chemin)
        self.verifier()
        return self.page

    def verifier(self) -> None:
        self.page.wait_for_load_state("load")
        violations = audit_axe(self.page)
        self.verifiees.add(_sans_ancre(self.page.url))
        assert not violations, f"axe-core sur {self.page.url} :\n" + json.dumps(violations, ensure_ascii=False, indent=1)

    def non_verifiees(self) -> list[str]:
        return [u for u in dict.fromkeys(self.vues) if u not in self.verifiees and u != "about:blank"]


@pytest.fixture
def visite(navigateur, serveur):
    contexte = navigateur.new_context(locale="fr-FR", base_url=serveur, accept_downloads=True)
    contexte.set_default_timeout(ATTENTE)
    injecter_axe(contexte)
    v = Visite(contexte.new_page(), serveur)
    v.contexte = contexte
    yield v
    oubliees = v.non_verifiees()
    contexte.close()
    assert not oubliees, "pages visitées sans vérification axe-core : " + ", ".join(oubliees)


def connecter(visite, app, user) -> None:
    """Open ``user``'s session in the browser without the form (the journeys
    that are about signing in use the form)."""
    from tests.conftest import sign_in

    client = app.test_client()
    with VERROU:
        sign_in(client, user)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    hote = visite.base_url.split("//")[1].split(":")[0]
    visite.contexte.add_cookies([{"name": cookie.key, "value": cookie.value, "domain": hote, "path": "/"}])
