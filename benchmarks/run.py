"""``make bench``: measure the key pages against their bare baseline.

For each database (PostgreSQL, SQLite) and volume: prepare the database once
(migrations, roles, referentials, ``flask volume generer``; kept between runs
when it already holds that volume), start gunicorn on loopback with the real
app and the baseline (``benchmarks/wsgi.py``), log the sessions in through the
login form, then for every page and concurrency level run wrk on the page and
on its baseline (warm-up, then measurement). Then the alert fan-out and,
on request, the EXPLAIN plans. Results go to ``benchmarks/results.json`` and
``BENCHMARKS.md``."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User

from benchmarks import charge, rapport
from benchmarks.scenarios import construire, emails

RACINE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOTE = "127.0.0.1"
PG_SERVEUR = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
#: Name prefix of the bench databases (``<prefix>_<N>``): two runs with
#: different prefixes (and BENCH_REDIS_URL) never touch each other's data.
PREFIXE_DEFAUT = "espace_bench"
PREFIXE = os.environ.get("BENCH_PREFIXE") or PREFIXE_DEFAUT
#: The embedded demo key: the generated volume holds no encrypted data.
ENCRYPTION_KEY = "ZGVtby1rZXktZXNwYWNlLWludGVydmVuYW50cy0wMDA="


def url_base(moteur: str, intervenants: int, prefixe: str = PREFIXE_DEFAUT) -> str:
    """``<prefixe>_<N>`` on PostgreSQL, ``instance/<prefixe>-<N>.db`` on SQLite
    (``bench-<N>.db`` with the default prefix, as before)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", prefixe):
        raise SystemExit(f"Préfixe de base invalide : {prefixe!r} (minuscules, chiffres, _).")
    if moteur == "postgresql":
        return f"{PG_SERVEUR}/{prefixe}_{intervenants}"
    fichier = f"bench-{intervenants}.db" if prefixe == PREFIXE_DEFAUT else f"{prefixe}-{intervenants}.db"
    return f"sqlite:///{RACINE / 'instance' / fichier}"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "APP_CONFIG")}
    env.update(FLASK_APP="app", DATABASE_URL=url, ENCRYPTION_KEY=ENCRYPTION_KEY)
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    return env


def _volume_present(url: str, intervenants: int) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM intervenant")) == intervenants
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _table_remplie(url: str, table: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text(f"SELECT 1 FROM {table} LIMIT 1")) is not None  # noqa: S608 - our names
    finally:
        engine.dispose()


#: Data added to a volume filled before its feature: (table, ``flask volume`` command, its option).
AJOUTS = (("message", "messages", "--messages"),  # messagerie (issue 21)
          ("dossier_administratif", "dossiers", "--dossiers"),  # dossier administratif (issue 20)
          ("demande_support", "support", "--demandes"),  # support « Aide et contact » (issue 22)
          ("indisponibilite", "indisponibilites", None),  # the CV-thèque's « Disponible entre » (issue 23)
          ("intervention", "interventions", "--interventions"))  # interventions, lettres (issue 23)


def preparer(moteur: str, intervenants: int, annonces: int, candidatures: int, messages: int = 0,
             prefixe: str = PREFIXE_DEFAUT, dossiers: int = 0, support: int = 0,
             interventions: int = 0) -> float | None:
    """Create and fill the database unless it already holds this volume;
    returns the generation time in seconds (None when reused)."""
    url = url_base(moteur, intervenants, prefixe)
    if _volume_present(url, intervenants):
        # Brought up to the code's migrations (an index added since it was filled).
        subprocess.run([BIN / "flask", "preparer", "--sans-demo"], env=_env(url), check=True, cwd=RACINE)
        print(f"  base existante réutilisée : {url}")
        nombres = {"messages": messages, "dossiers": dossiers, "support": support, "interventions": interventions}
        ajoute = False
        for table, commande, option in AJOUTS:
            if nombres.get(commande, 1) and not _table_remplie(url, table):
                arguments = [option, str(nombres[commande])] if option else []
                subprocess.run([BIN / "flask", "volume", commande, *arguments], env=_env(url), check=True, cwd=RACINE)
                ajoute = True
        if ajoute or moteur != "postgresql":  # SQLite: cheap, and bases analysed before session 19 had no statistics
            _analyser(url, moteur)
        return None
    if moteur == "postgresql":
        nom = url.rsplit("/", 1)[1]
        admin = sa.create_engine(f"{PG_SERVEUR}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{nom}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{nom}"')
        admin.dispose()
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        Path(url.removeprefix("sqlite:///")).parent.mkdir(exist_ok=True)
    env = _env(url)
    subprocess.run([BIN / "flask", "preparer", "--sans-demo"], env=env, check=True, cwd=RACINE)
    debut = time.perf_counter()
    subprocess.run(
        [BIN / "flask", "volume", "generer", "--intervenants", str(intervenants), "--annonces", str(annonces),
         "--candidatures", str(candidatures), "--messages", str(messages), "--dossiers", str(dossiers),
         "--support", str(support), "--interventions", str(interventions)],
        env=env, check=True, cwd=RACINE,
    )
    duree = time.perf_counter() - debut
    _analyser(url, moteur, compacter=True)
    print(f"  volume généré en {duree:.0f} s")
    return duree


def _analyser(url: str, moteur: str, compacter: bool = False) -> None:
    if moteur != "postgresql":
        # In a committed transaction: the application's SQLite « begin »
        # listener (app.extensions) opens one even on an AUTOCOMMIT engine,
        # and closing the connection rolled the statistics back (session 19:
        # no sqlite_stat1, the support badge read 24,000 rows, 131 ms).
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if compacter:
            # The generator's link inserts fire the triggers that copy them into
            # intervenant: each profile row is rewritten twice and two thirds of
            # the table are left empty (1.4 GB for 0.45 GB of rows at 300,000).
            # A table filled over years reuses that space; compact it like one.
            conn.exec_driver_sql("VACUUM FULL intervenant")
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind((HOTE, 0))
        return s.getsockname()[1]


def demarrer_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    port = _port_libre()
    # Production settings; the login limit is raised only so that the sessions
    # of the run can log in from one address (the limiter still runs).
    # The volume's staff have no second factor enrolled (issue 28): no role is
    # obliged to it here ("Aucun" names none); it costs at sign-in only, which
    # the bench does before measuring.
    env = _env(url) | {"APP_CONFIG": "production", "SESSION_COOKIE_SECURE": "0", "AUTH_RATE_LIMIT": "200 per minute",
                       "DEUX_FACTEURS_ROLES": "Aucun"}
    proc = subprocess.Popen(
        [BIN / "gunicorn", "--workers", str(workers), "--worker-class", "sync", "--bind", f"{HOTE}:{port}",
         "--log-level", "warning", "benchmarks.wsgi:application"],
        env=env, cwd=RACINE,
    )
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError("gunicorn s'est arrêté au démarrage.")
        try:
            socket.create_connection((HOTE, port), timeout=0.2).close()
        except OSError:
            time.sleep(0.1)
            continue
        _attendre_les_workers(port, workers)
        return proc, port
    proc.kill()
    raise RuntimeError("gunicorn ne répond pas.")


def _attendre_les_workers(port: int, workers: int) -> None:
    """The master listens before its workers have loaded the application
    (27 s on a loaded machine): the first requests wait for them here, not
    in a login or a measure with its own timeout."""
    for _ in range(workers):
        conn = http.client.HTTPConnection(HOTE, port, timeout=300)
        conn.request("GET", "/login/")
        conn.getresponse().read()
        conn.close()


def version_base(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            version = conn.scalar(sa.text("SHOW server_version")).split()[0]
            return f"PostgreSQL {version}"
        return f"SQLite {conn.scalar(sa.text('SELECT sqlite_version()'))}"


def mesurer_pages(url: str, args, meta: dict) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        scenarios = construire(conn)
    engine.dispose()
    if args.pages:
        scenarios = [s for s in scenarios if s.page in args.pages]
    proc, port = demarrer_gunicorn(url, args.workers)
    lignes = []
    try:
        from app.donnees.volume import VOLUME_PASSWORD

        cookies = {email: charge.connecter(HOTE, port, email, VOLUME_PASSWORD) for email in emails(scenarios)}
        base = f"http://{HOTE}:{port}"
        for sc in scenarios:
            page = [(p, cookies.get(e)) for p, e, _ in sc.requetes]
            baseline = [(b, None) for _, _, b in sc.requetes]
            for (path, cookie), (bpath, _) in list(zip(page, baseline, strict=True))[:3]:
                charge.verifier(HOTE, port, path, cookie)
                charge.verifier(HOTE, port, bpath, None)
            for clients in args.clients:
                mesures = {}
                for nom, requetes in (("page", page), ("baseline", baseline)):
                    charge.lancer(base, requetes, clients, args.chauffe)
                    mesures[nom] = charge.lancer(base, requetes, clients, args.duree)
                m, b = mesures["page"], mesures["baseline"]
                if not (m.valide and b.valide):
                    raise charge.ChargeError(f"{sc.page} ({clients} clients) : {m.erreurs} / {b.erreurs} erreur(s).")
                ratio = m.rps / b.rps if b.rps else 0.0
                ligne = {
                    "page": sc.page, "libelle": sc.libelle, "clients": clients,
                    "p50_ms": m.p50_ms, "p95_ms": m.p95_ms, "p99_ms": m.p99_ms, "rps": m.rps,
                    "baseline_p50_ms": b.p50_ms, "baseline_p95_ms": b.p95_ms, "baseline_p99_ms": b.p99_ms,
                    "baseline_rps": b.rps, "rps_ratio": round(ratio, 3),
                    "p95_ratio": round(m.p95_ms / b.p95_ms, 2) if b.p95_ms else None,
                    "target_p95_ms": sc.objectif.p95_ms, "target_rps_ratio": sc.objectif.ratio_rps,
                    # Targets are stated for 8 clients; other levels are reported, not judged.
                    "pass": (m.p95_ms <= sc.objectif.p95_ms and ratio >= sc.objectif.ratio_rps) if clients == 8 else None,
                    "requests": m.requests, "distinct_urls": len({p for p, _ in page}),
                    **meta,
                }
                lignes.append(ligne)
                print(f"  {sc.page:<22} {clients:>2} clients  p95 {m.p95_ms:>7} ms  {m.rps:>7} req/s  "
                      f"| baseline p95 {b.p95_ms:>6} ms  {b.rps:>7} req/s  | {ratio:.0%}  "
                      f"{'' if ligne['pass'] is None else ('OK' if ligne['pass'] else 'ÉCHEC')}", flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return lignes


def _app(url: str, **overrides):
    from app import create_app

    # The same key as the served application (the environment set above).
    overrides.setdefault("ENCRYPTION_KEY", ENCRYPTION_KEY)
    return create_app("default", SQLALCHEMY_DATABASE_URI=url, **overrides)


def mesurer_alertes(url: str, meta: dict) -> dict:
    from benchmarks.alertes_publication import mesurer

    r = mesurer(_app(url, REDIS_URL=REDIS_URL))
    durees = r["durees_ms"]
    print(f"  alertes : {r['alertes']} ({r['part_ciblee']:.0%}) en {durees} ms, {r['lots']} lots")
    return {
        "page": "alertes_publication", "libelle": "Alertes à la publication (calcul + mise en file)", "clients": 1,
        "p50_ms": durees[len(durees) // 2], "p95_ms": durees[-1], "p99_ms": durees[-1], "rps": None,
        "baseline_p95_ms": None, "baseline_rps": None, "target_p95_ms": 5000, "pass": durees[-1] <= 5000,
        **r, **meta,
    }


def verifier_suggestions(url: str, meta: dict) -> dict:
    """Issue 37: every suggestion of 200 annonces satisfies the hard rules."""
    from benchmarks.proprietes_suggestions import verifier

    r = verifier(url)
    print(f"  suggestions : {r['paires']} paires sur {r['annonces']} annonces vérifiées en {r['duree_s']} s, "
          f"{len(r['violations'])} règle(s) violée(s)", flush=True)
    for v in r["violations"][:20]:
        print(f"    {v}", flush=True)
    return {
        "page": "suggestions_regles_dures", "libelle": "Suggestions : règles strictes sur 200 annonces",
        "clients": 1, "p50_ms": None, "p95_ms": None, "p99_ms": None, "rps": None, "baseline_p95_ms": None,
        "baseline_rps": None, "pass": not r["violations"], "paires": r["paires"],
        "violations": len(r["violations"]), "duree_s": r["duree_s"], **meta,
    }


def ecrire_plans(url: str, meta: dict) -> Path:
    from benchmarks.plans import plans

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        scenarios = construire(conn)
        users = dict(conn.execute(sa.select(User.email, User.id).where(User.email.in_(emails(scenarios)))).all())
    engine.dispose()
    pages = [(sc.page, sc.requetes[0][0], users.get(sc.requetes[0][1])) for sc in scenarios]
    # The public pages' cache off: the plans are those of a rendering.
    texte = plans(_app(url, CACHE_PAGES_PUBLIQUES_SECONDES=0), pages)
    chemin = RACINE / "benchmarks" / "plans" / f"{meta['database'].split()[0].lower()}-{meta['rows']}.md"
    chemin.parent.mkdir(exist_ok=True)
    chemin.write_text(f"# Plans des requêtes — {meta['database']}, {meta['rows']} intervenants ({meta['date']})\n\n{texte}")
    print(f"  plans : {chemin.relative_to(RACINE)}")
    return chemin


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bases", default="postgresql,sqlite", help="postgresql et/ou sqlite")
    parser.add_argument("--intervenants", default="100000", help="un ou plusieurs volumes, ex. 10000,100000,300000")
    parser.add_argument("--annonces", type=int, default=20_000)
    parser.add_argument("--candidatures", type=int, default=300_000)
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages de la messagerie")
    parser.add_argument("--dossiers", type=int, default=None,
                        help="dossiers administratifs (défaut : le tiers des intervenants)")
    parser.add_argument("--support", type=int, default=200_000, help="demandes de support")
    parser.add_argument("--interventions", type=int, default=200_000, help="interventions (et leurs lettres)")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--pages", default="", help="noms des pages (défaut : toutes)")
    parser.add_argument("--duree", type=int, default=8, help="secondes mesurées par ligne")
    parser.add_argument("--chauffe", type=int, default=2, help="secondes de chauffe avant chaque mesure")
    parser.add_argument("--workers", type=int, default=2, help="workers gunicorn (sync)")
    parser.add_argument("--sans-alertes", action="store_true")
    parser.add_argument("--sans-pages", action="store_true", help="seulement les alertes (et les plans)")
    parser.add_argument("--plans", action="store_true", help="écrire les plans EXPLAIN des pages")
    parser.add_argument("--sans-proprietes", action="store_true",
                        help="sans la vérification des règles strictes des suggestions (200 annonces)")
    parser.add_argument("--prefixe", default=PREFIXE,
                        help="préfixe des bases du banc, <préfixe>_<N> (défaut : BENCH_PREFIXE ou espace_bench)")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    args.pages = [p for p in args.pages.split(",") if p]
    charge.wrk_disponible()
    regles_violees = False
    echecs: list[str] = []
    for moteur in [b.strip() for b in args.bases.split(",") if b.strip()]:
        for n in [int(v) for v in args.intervenants.split(",")]:
            print(f"== {moteur}, {n} intervenants", flush=True)
            # The volume: N intervenants, 20,000 annonces, 300,000 candidatures
            # (growth runs vary the intervenants only).
            generation = preparer(moteur, n, annonces=args.annonces, candidatures=args.candidatures,
                                  messages=args.messages, prefixe=args.prefixe,
                                  dossiers=n // 3 if args.dossiers is None else args.dossiers, support=args.support,
                                  interventions=args.interventions)
            url = url_base(moteur, n, args.prefixe)
            meta = {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "database": version_base(url), "machine": rapport.machine(), "rows": n,
                "gunicorn_workers": args.workers, "duration_s": args.duree,
            }
            if generation is not None:
                meta["generation_s"] = round(generation)
            lignes = [] if args.sans_pages else mesurer_pages(url, args, meta)
            if not args.sans_alertes:
                lignes.append(mesurer_alertes(url, meta))
            if not args.sans_proprietes:
                ligne = verifier_suggestions(url, meta)
                regles_violees = regles_violees or not ligne["pass"]
                lignes.append(ligne)
            if args.plans:
                ecrire_plans(url, meta)
            rapport.ecrire_markdown(rapport.enregistrer(lignes))
            echecs += echecs_de(lignes)
    print(f"Résultats : {rapport.RESULTATS.relative_to(RACINE)} et {rapport.BENCHMARKS_MD.relative_to(RACINE)}")
    if regles_violees:
        raise SystemExit("Des suggestions violent les règles strictes (issue 37) : voir ci-dessus.")
    if echecs:
        raise SystemExit("Objectifs manqués : " + " ; ".join(echecs))


def echecs_de(lignes: list[dict]) -> list[str]:
    """The judged rows that miss their target: ``make bench`` exits non-zero
    for them, so a run whose figures are off cannot pass unnoticed."""
    return [f"{e['page']} ({e['clients']} clients, {e['database']}, {e['rows']} intervenants)"
            for e in lignes if e.get("pass") is False]


if __name__ == "__main__":
    main()
