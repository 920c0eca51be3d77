"""In-process profile of the benchmark's pages and their bare baselines: Python
function calls, CPU and SQL statements per request, without wrk or gunicorn.

Why: on a shared machine wrk's throughput moves by 20 % from one run to the
next; the calls and the CPU time of one request are steady, and they name
where the time goes (``--top``). Same application as the bench (production
settings, ``app.wsgi``'s collector settings), same URL mixes
(``benchmarks/scenarios.py``), real logins through the form.

    python -m benchmarks.profil --base postgresql+psycopg://postgres@127.0.0.1/bench_x_100000 \
        --pages messagerie_message,tableau_de_bord --requetes 200 --top 40
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import re
import secrets
import time

import sqlalchemy as sa

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _app(url: str):
    os.environ.update(APP_CONFIG="production", DATABASE_URL=url, SESSION_COOKIE_SECURE="0",
                      AUTH_RATE_LIMIT="1000 per minute", DEUX_FACTEURS_ROLES="Aucun")
    os.environ.setdefault("ENCRYPTION_KEY", "ZGVtby1rZXktZXNwYWNlLWludGVydmVuYW50cy0wMDA=")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.pop("REDIS_URL", None)
    from app import create_app

    return create_app("production")


def _connecter(client, email: str, password: str) -> None:
    page = client.get("/login/").get_data(as_text=True)
    jeton = _CSRF.search(page)
    reponse = client.post("/login/", data={"username": email, "password": password,
                                           "csrf_token": jeton.group(1) or jeton.group(2)})
    if reponse.status_code != 302 or "/login" in reponse.headers.get("Location", ""):
        raise SystemExit(f"Connexion refusée pour {email} ({reponse.status_code}).")


class Compteur:
    def __init__(self):
        self.n = 0

    def __call__(self, *args, **kwargs):
        self.n += 1


def _jouer(requetes, n: int) -> None:
    for i in range(n):
        client, path = requetes[i % len(requetes)]
        r = client.get(path)
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code}")


def mesurer(nom: str, requetes, n: int, top: int, engines) -> dict:
    _jouer(requetes, min(n, 3 * len(requetes)))  # warm caches
    compteur = Compteur()
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", compteur)
    t0, c0 = time.perf_counter(), time.process_time()
    _jouer(requetes, n)
    mur, cpu = time.perf_counter() - t0, time.process_time() - c0
    for engine in engines:
        sa.event.remove(engine, "before_cursor_execute", compteur)
    # CPU time: on a shared machine the waits on PostgreSQL would hide the Python.
    profil = cProfile.Profile(time.process_time)
    profil.enable()
    _jouer(requetes, n)
    profil.disable()
    stats = pstats.Stats(profil)
    ligne = {"page": nom, "appels": round(stats.total_calls / n), "cpu_ms": round(1000 * cpu / n, 2),
             "mur_ms": round(1000 * mur / n, 2), "sql": round(compteur.n / n, 2)}
    print(f"{nom:<32} {ligne['appels']:>7} appels  {ligne['cpu_ms']:>6} ms CPU  {ligne['mur_ms']:>6} ms  "
          f"{ligne['sql']:>5} requêtes SQL", flush=True)
    if top:
        print(_par_paquet(stats, n))
        out = io.StringIO()
        pstats.Stats(profil, stream=out).sort_stats("cumulative").print_stats(top)
        out.write("\n")
        pstats.Stats(profil, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue())
    return ligne


def _paquet(fichier: str) -> str:
    if "/site-packages/" in fichier:
        return fichier.split("/site-packages/")[1].split("/")[0]
    if "/templates/" in fichier:
        return "gabarits (app)"
    if "/app/" in fichier:
        return "app/" + fichier.split("/app/")[1].split("/")[0]
    return "python" if fichier.startswith(("/", "~")) or fichier == "~" else fichier


def _par_paquet(stats: pstats.Stats, n: int) -> str:
    """Own time per request by package (where the CPU goes, whoever calls)."""
    totaux: dict[str, float] = {}
    for (fichier, _, _), (_, _, propre, _, _) in stats.stats.items():
        cle = _paquet(fichier)
        totaux[cle] = totaux.get(cle, 0) + propre
    total = sum(totaux.values()) or 1
    return "\n".join(f"    {cle:<28} {100 * t / total:5.1f} %" for cle, t in
                     sorted(totaux.items(), key=lambda x: -x[1])[:18])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="URL SQLAlchemy d'une base du banc (déjà remplie)")
    parser.add_argument("--pages", default="", help="pages de benchmarks/scenarios.py, séparées par des virgules")
    parser.add_argument("--requetes", type=int, default=200, help="requêtes mesurées par page")
    parser.add_argument("--top", type=int, default=0, help="fonctions du profil montrées (0 : aucune)")
    parser.add_argument("--sans-baseline", action="store_true")
    args = parser.parse_args(argv)

    app = _app(args.base)
    from app.donnees.volume import VOLUME_PASSWORD
    from app.extensions import db
    from benchmarks.baseline import create_baseline_app
    from benchmarks.scenarios import BASELINE, construire

    gc.collect()
    gc.freeze()
    gc.set_threshold(int(os.environ.get("GC_SEUIL", "20000")), *gc.get_threshold()[1:])
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        scenarios = construire(conn)
    engine.dispose()
    pages = [p for p in args.pages.split(",") if p]
    if pages:
        scenarios = [s for s in scenarios if s.page in pages]
    nue = create_baseline_app(app.config["SQLALCHEMY_DATABASE_URI"])
    nu = nue.test_client()
    clients = {}
    for sc in scenarios:
        for _, email, _ in sc.requetes:
            if email and email not in clients:
                clients[email] = app.test_client()
                _connecter(clients[email], email, VOLUME_PASSWORD)
    with app.app_context():
        engines = [db.engine]
    for sc in scenarios:
        page = [(clients.get(e) or app.test_client(), p) for p, e, _ in sc.requetes]
        mesurer(sc.page, page, args.requetes, args.top, engines)
        if not args.sans_baseline:
            mesurer(f"{sc.page} (référence)", [(nu, b.removeprefix(BASELINE)) for _, _, b in sc.requetes], args.requetes, 0, [])


if __name__ == "__main__":
    main()
