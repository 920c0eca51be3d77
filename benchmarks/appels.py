"""Python calls and SQL statements per request of bench pages, in process.

Why: on a shared 2-core machine wrk's figures move by 20 % or more with the
load; the number of Python calls and statements a page costs does not.
Comparing two commits (two checkouts, each on its bench database):

    cd ../avant && PYTHONPATH=$PWD ../main/.venv/bin/python -m benchmarks.appels \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_avant_100000 accueil,tableau_de_bord

The first six requests of each page's mix (benchmarks/scenarios.py) are
played once to warm up, then three times under cProfile. Public pages are
rendered (their page cache off); staff sign in without a second factor.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import sqlalchemy as sa
from sqlalchemy import event

from benchmarks.run import ENCRYPTION_KEY
from benchmarks.scenarios import construire


def mesurer(url: str, pages: list[str]) -> dict[str, tuple[float, float]]:
    """page → (Python calls, SQL statements) per request."""
    from app import create_app
    from app.donnees.volume import VOLUME_PASSWORD
    from app.extensions import db

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url, ENCRYPTION_KEY=ENCRYPTION_KEY, WTF_CSRF_ENABLED=False,
                     CACHE_PAGES_PUBLIQUES_SECONDES=0, DEUX_FACTEURS_ROLES="Aucun", RATELIMIT_ENABLED=False,
                     AUTH_RATE_LIMITED=False)
    moteur = sa.create_engine(url)
    with moteur.connect() as conn:
        scenarios = {s.page: s for s in construire(conn)}
    moteur.dispose()
    clients = {}

    def client_de(email):
        if email not in clients:
            clients[email] = app.test_client()
            if email:
                clients[email].post("/login/", data={"username": email, "password": VOLUME_PASSWORD})
        return clients[email]

    requetes = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: requetes.append(1))
    resultats = {}
    for page in pages:
        mix = scenarios[page].requetes[:6]
        for path, email, _ in mix:
            reponse = client_de(email).get(path)
            if reponse.status_code != 200:
                raise SystemExit(f"{page} : {path} répond HTTP {reponse.status_code}.")
        profil = cProfile.Profile()
        requetes.clear()
        profil.enable()
        for _ in range(3):
            for path, email, _ in mix:
                client_de(email).get(path)
        profil.disable()
        n = 3 * len(mix)
        resultats[page] = (pstats.Stats(profil).total_calls / n, len(requetes) / n)
    return resultats


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="base du banc (SQLAlchemy)")
    parser.add_argument("pages", help="noms des pages, séparés par des virgules")
    args = parser.parse_args(argv)
    for page, (appels, requetes) in mesurer(args.url, args.pages.split(",")).items():
        print(f"{page:<24} {appels:>9.0f} appels Python  {requetes:5.1f} requêtes SQL  par requête")


if __name__ == "__main__":
    main()
