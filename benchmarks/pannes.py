"""``make pannes``: the full stack under faults, counted (issue #26).

Starts everything it needs and nothing shared: its own redis-server on a free
loopback port, its own PostgreSQL database (created, then dropped), an SMTP
sink in this process that counts the Message-IDs it receives, gunicorn
(production settings, 4 workers), an rq worker and ``rq cron`` (restarted when
they exit, as the Procfile's supervisor would). Then, in order:

1. nominal: 5 decisions;
2. SMTP down (``--panne-smtp`` s): 5 decisions, then the sink comes back;
3. Redis down (``--panne-redis`` s): a login and 5 decisions, then a new,
   empty redis-server on the same port;
4. a worker killed (SIGKILL, worker and work horse) while it sends the alert
   e-mails of a publication, then started again;
5. 20 simultaneous identical decisions, 10 « valider » against 10 « rejeter »
   on another request, 20 simultaneous « étudier » bulk actions;

then waits (``--attente`` s at most) for the outbox to drain and prints, per
e-mail: sent / pending / failed / duplicated / lost, and the transitions
written by the races. Only the shared PostgreSQL server's admin database is
touched to create and drop the run's database.
"""

from __future__ import annotations

import argparse
import email.parser
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from aiosmtpd.controller import Controller

RACINE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOTE = "127.0.0.1"
PG_SERVEUR = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
ENCRYPTION_KEY = "ZGVtby1rZXktZXNwYWNlLWludGVydmVuYW50cy0wMDA="
MOT_DE_PASSE = "Volume-Espace-2026!"  # app.donnees.volume.VOLUME_PASSWORD
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def journal(texte: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {texte}", flush=True)


def port_libre() -> int:
    with socket.socket() as s:
        s.bind((HOTE, 0))
        return s.getsockname()[1]


def attendre_port(port: int, delai: float = 60) -> None:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        with socket.socket() as s:
            if s.connect_ex((HOTE, port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"rien n'écoute sur le port {port}")


# -- SMTP sink -----------------------------------------------------------------
class Puits:
    """Accepts every message and counts its Message-ID; stoppable (SMTP down)."""

    def __init__(self, port: int):
        self.port = port
        self.recus: Counter[str] = Counter()
        self._verrou = threading.Lock()
        self._controleur: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        entetes = email.parser.BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self._verrou:
            self.recus[entetes.get("Message-ID", "").strip()] += 1
        return "250 Message accepted for delivery"

    def demarrer(self) -> None:
        self._controleur = Controller(self, hostname=HOTE, port=self.port)
        self._controleur.start()

    def arreter(self) -> None:
        if self._controleur is not None:
            self._controleur.stop()
            self._controleur = None


# -- processes -----------------------------------------------------------------
class Pile:
    """redis-server, gunicorn, rq worker, rq cron: started, watched, stopped."""

    def __init__(self, url_base: str, port_redis: int, port_smtp: int, port_web: int, journaux: Path):
        self.port_redis, self.port_web = port_redis, port_web
        self.journaux = journaux
        self.redis_url = f"redis://{HOTE}:{port_redis}/0"
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "APP_CONFIG", "DATABASE_URL")}
        self.env.update(
            FLASK_APP="app", APP_CONFIG="production", DATABASE_URL=url_base, REDIS_URL=self.redis_url,
            SECRET_KEY=secrets.token_urlsafe(48), ENCRYPTION_KEY=ENCRYPTION_KEY, SESSION_COOKIE_SECURE="0",
            MAIL_SERVER=HOTE, MAIL_PORT=str(port_smtp), MAIL_TIMEOUT="5", PUBLIC_BASE_URL=f"http://{HOTE}:{port_web}",
            AUTH_RATE_LIMIT="1000 per minute", ALERTES_TAILLE_LOT="100", PYTHONUNBUFFERED="1",
            DEUX_FACTEURS_ROLES="Aucun",  # its staff have no second factor enrolled (issue 28)
        )
        self.procs: dict[str, subprocess.Popen] = {}
        self.redemarrages: Counter[str] = Counter()
        self._commandes = {
            "redis": ["redis-server", "--port", str(port_redis), "--bind", HOTE, "--save", "", "--appendonly", "no"],
            "web": [str(BIN / "gunicorn"), "--workers", "4", "--worker-class", "sync", "--bind", f"{HOTE}:{port_web}",
                    "--log-level", "warning", "app.wsgi:app"],
            "worker": [str(BIN / "rq"), "worker", "--url", self.redis_url, "--worker-class", "app.jobs.AppWorker",
                       "--with-scheduler", "mail", "default"],
            "cron": [str(BIN / "rq"), "cron", "--url", self.redis_url, "app.cron"],
        }

    def lancer(self, nom: str) -> None:
        sortie = open(self.journaux / f"{nom}.log", "ab")  # noqa: SIM115 - kept by the child
        self.procs[nom] = subprocess.Popen(
            self._commandes[nom], env=self.env, cwd=RACINE, stdout=sortie, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed with its children
        )
        if nom == "redis":
            attendre_port(self.port_redis)
        if nom == "web":
            attendre_port(self.port_web, 120)

    def tuer(self, nom: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(nom, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def surveiller(self) -> None:
        """Restart a worker or a cron that exited (the supervisor's job)."""
        for nom in ("worker", "cron"):
            proc = self.procs.get(nom)
            if proc is not None and proc.poll() is not None:
                self.redemarrages[nom] += 1
                journal(f"  {nom} arrêté (code {proc.returncode}) : redémarré")
                self.lancer(nom)

    def arreter(self) -> None:
        for nom in ("web", "worker", "cron", "redis"):
            self.tuer(nom, signal.SIGTERM)


# -- HTTP ----------------------------------------------------------------------
class Navigateur:
    """One browser session against gunicorn (cookie ``session`` kept)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie: str | None = None

    def requete(self, methode: str, chemin: str, donnees: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(HOTE, self.port, timeout=120)
        entetes = {"Cookie": self.cookie} if self.cookie else {}
        corps = None
        if donnees is not None:
            corps = urlencode(donnees, doseq=True)
            entetes["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(methode, chemin, body=corps, headers=entetes)
        reponse = conn.getresponse()
        texte = reponse.read().decode("utf-8", "replace")
        for nom, valeur in reponse.getheaders():
            if nom.lower() == "set-cookie" and valeur.startswith("session="):
                self.cookie = valeur.split(";", 1)[0]
        conn.close()
        return reponse.status, texte

    def jeton(self, chemin: str) -> str:
        statut, page = self.requete("GET", chemin)
        trouve = _CSRF.search(page)
        if statut != 200 or trouve is None:
            raise RuntimeError(f"{chemin} : HTTP {statut}, pas de jeton CSRF")
        return trouve.group(1) or trouve.group(2)

    def connecter(self, email_: str) -> int:
        jeton = self.jeton("/login/")
        statut, _ = self.requete("POST", "/login/", {"username": email_, "password": MOT_DE_PASSE, "csrf_token": jeton})
        return statut


def decider(nav: Navigateur, pk: int, decision: str) -> int:
    jeton = nav.jeton(f"/gestion/demandes-inscription/show/{pk}")
    donnees = {"csrf_token": jeton, "decision": decision}
    if decision != "valider":
        donnees["commentaire"] = "Motif (script de pannes)"
    return nav.requete("POST", f"/gestion/decisions-inscription/{pk}", donnees)[0]


def en_meme_temps(nav: Navigateur, chemin_jeton: str, url: str, formulaires: list[dict]) -> Counter[int]:
    """POST every form at once (one thread and connection each, same session)."""
    jeton = nav.jeton(chemin_jeton)
    barriere = threading.Barrier(len(formulaires))
    statuts: Counter[int] = Counter()
    verrou = threading.Lock()

    def client(formulaire: dict) -> None:
        autre = Navigateur(nav.port)
        autre.cookie = nav.cookie
        barriere.wait(timeout=60)
        try:
            statut = autre.requete("POST", url, {"csrf_token": jeton, **formulaire})[0]
        except OSError:
            statut = 0
        with verrou:
            statuts[statut] += 1

    fils = [threading.Thread(target=client, args=(f,)) for f in formulaires]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=180)
    return statuts


# -- database --------------------------------------------------------------------
def creer_base(nom: str) -> str:
    admin = sa.create_engine(f"{PG_SERVEUR}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{nom}"')
    admin.dispose()
    return f"{PG_SERVEUR}/{nom}"


def supprimer_base(nom: str) -> None:
    admin = sa.create_engine(f"{PG_SERVEUR}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
    admin.dispose()


def preparer_donnees(url: str, env: dict, intervenants: int) -> dict:
    """Schema, referentials and a generated volume, then the scene: one
    gestionnaire, 40 requests « transmise » of their structure, a draft annonce
    matching every validated intervenant, one candidature « déposée »."""
    env_flask = {k: v for k, v in env.items() if k not in ("REDIS_URL", "MAIL_SERVER")} | {"APP_CONFIG": "default"}
    for commande in (["preparer", "--sans-demo"],
                     ["volume", "generer", "--intervenants", str(intervenants), "--annonces", "50",
                      "--candidatures", "50"]):
        fait = subprocess.run([BIN / "flask", *commande], env=env_flask, cwd=RACINE, capture_output=True, text=True)
        if fait.returncode:
            raise RuntimeError(f"flask {' '.join(commande)} :\n{fait.stderr[-3000:]}")

    from flask_appbuilder.security.sqla.models import User

    from app import create_app
    from app.extensions import db
    from app.models.annonces import Annonce, Candidature, EtatAnnonce, EtatCandidatureAnnonce
    from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
    from app.models.referentiels import Region, Specialite

    app = create_app("default", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=None, MAIL_SERVER=None)
    with app.app_context():
        structure_id, email_g = db.session.execute(
            sa.select(Gestionnaire.structure_id, User.email).join(User, User.id == Gestionnaire.user_id)
            .join(Intervenant, Intervenant.structure_id == Gestionnaire.structure_id)
            .group_by(Gestionnaire.structure_id, User.email).order_by(sa.func.count().desc(), User.email).limit(1)
        ).one()
        ids = db.session.scalars(
            sa.select(Intervenant.id).where(Intervenant.structure_id == structure_id,
                                            Intervenant.etat_inscription != EtatInscription.validee)
            .order_by(Intervenant.id).limit(40)
        ).all()
        if len(ids) < 40:
            raise RuntimeError("pas assez d'intervenants dans la structure : augmentez --intervenants")
        # Scene set-up only (no workflow: the generated rows have no history either).
        db.session.execute(sa.update(Intervenant).where(Intervenant.id.in_(ids))
                           .values(etat_inscription=EtatInscription.transmise))
        annonce = Annonce(
            numero=f"8{secrets.randbelow(10**9):09d}", intitule="Annonce du script de pannes",
            description="Publiée pendant la panne d'un worker.", date_limite=date.today() + timedelta(days=30),
            structure_id=structure_id, etat=EtatAnnonce.brouillon,
            # One spécialité and one région in three: a few hundred alerts.
            specialites=db.session.scalars(sa.select(Specialite).order_by(Specialite.id)).all()[::3],
            regions=db.session.scalars(sa.select(Region).order_by(Region.id)).all()[::3],
        )
        db.session.add(annonce)
        candidat = db.session.scalar(
            sa.select(Intervenant.id).where(Intervenant.etat_inscription == EtatInscription.validee)
            .order_by(Intervenant.id).limit(1)
        )
        db.session.flush()
        candidature = Candidature(annonce_id=annonce.id, intervenant_id=candidat,
                                  commentaire="Candidature du script de pannes", etat=EtatCandidatureAnnonce.deposee)
        db.session.add(candidature)
        db.session.commit()
        scene = {"gestionnaire": email_g, "demandes": list(ids), "annonce": annonce.id, "candidature": candidature.id}
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return scene


def etat_outbox(engine) -> dict:
    with engine.connect() as conn:
        lignes = conn.execute(sa.text("SELECT status, count(*) FROM outbox_message GROUP BY status")).all()
        ids = conn.execute(sa.text("SELECT message_id, status, template FROM outbox_message")).all()
    return {"statuts": {str(s): n for s, n in lignes}, "lignes": ids}


def compter(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(sql), params)


def attendre(pile: Pile, condition, delai: float, pas: float = 1.0) -> bool:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        pile.surveiller()
        if condition():
            return True
        time.sleep(pas)
    return condition()


# -- the run -------------------------------------------------------------------------
def executer(args) -> dict:
    nom_base = f"{args.prefixe}_{os.getpid()}_{int(time.time())}"
    journaux = RACINE / "instance" / "pannes" / nom_base
    journaux.mkdir(parents=True, exist_ok=True)
    port_redis = args.port_redis or port_libre()
    puits = Puits(port_libre())
    resultats: dict = {"base": nom_base, "journaux": str(journaux.relative_to(RACINE))}
    journal(f"base {nom_base}, redis :{port_redis}, smtp :{puits.port}, journaux {journaux.relative_to(RACINE)}")
    url = creer_base(nom_base)
    pile = Pile(url, port_redis, puits.port, port_libre(), journaux)
    engine = sa.create_engine(url)
    debut = time.monotonic()
    try:
        scene = preparer_donnees(url, pile.env, args.intervenants)
        demandes = iter(scene["demandes"])
        journal(f"données prêtes ({time.monotonic() - debut:.0f} s) ; gestionnaire {scene['gestionnaire']}")
        puits.demarrer()
        for nom in ("redis", "web", "worker", "cron"):
            pile.lancer(nom)
        nav = Navigateur(pile.port_web)
        if nav.connecter(scene["gestionnaire"]) != 302:
            raise RuntimeError("connexion du gestionnaire refusée")

        journal("1. nominal : 5 décisions")
        resultats["nominal"] = Counter(decider(nav, next(demandes), "valider") for _ in range(5))

        journal(f"2. SMTP arrêté {args.panne_smtp} s : 5 décisions")
        puits.arreter()
        resultats["smtp_en_panne"] = Counter(decider(nav, next(demandes), "rejeter") for _ in range(5))
        time.sleep(args.panne_smtp)
        puits.demarrer()

        journal(f"3. Redis tué {args.panne_redis} s : une connexion et 5 décisions, puis un Redis neuf et vide")
        pile.tuer("redis")
        connexion = Navigateur(pile.port_web).connecter(scene["gestionnaire"])
        resultats["redis_en_panne"] = {
            "connexion": connexion,
            "decisions": Counter(decider(nav, next(demandes), "demander_complement") for _ in range(5)),
        }
        time.sleep(args.panne_redis)
        pile.lancer("redis")

        journal("4. publication d'une annonce (alertes) et worker tué pendant l'envoi des alertes")
        jeton = nav.jeton("/gestion/annonces/list/")
        statut = nav.requete("POST", "/gestion/annonces/action_post",
                             {"csrf_token": jeton, "action": "publier", "rowid": str(scene["annonce"])})[0]
        alertes = compter(engine, "SELECT count(*) FROM alerte_envoyee WHERE annonce_id = :a", a=scene["annonce"])
        envoyees = "SELECT count(*) FROM outbox_message WHERE template = 'annonce_alerte' AND status = 'sent'"
        tue = attendre(pile, lambda: compter(engine, envoyees) >= max(1, alertes // 5), 120, 0.05)
        deja = compter(engine, envoyees)
        pile.tuer("worker")
        resultats["worker_tue"] = {"publication": statut, "alertes": alertes, "envoyees_avant_kill": deja,
                                   "tue_pendant_le_lot": tue and deja < alertes}
        journal(f"   worker tué après {deja}/{alertes} alertes envoyées ; redémarré dans 2 s")
        time.sleep(2)
        pile.lancer("worker")

        journal("5. courses : 20 « valider » identiques, 10 « valider » contre 10 « rejeter », 20 « étudier »")
        a, b = next(demandes), next(demandes)
        courses = {
            "20 valider": (a, en_meme_temps(nav, f"/gestion/demandes-inscription/show/{a}",
                                            f"/gestion/decisions-inscription/{a}", [{"decision": "valider"}] * 20)),
            "10 valider / 10 rejeter": (b, en_meme_temps(
                nav, f"/gestion/demandes-inscription/show/{b}", f"/gestion/decisions-inscription/{b}",
                [{"decision": "valider"}, {"decision": "rejeter", "commentaire": "Motif"}] * 10)),
            "20 étudier (action groupée)": (scene["candidature"], en_meme_temps(
                nav, "/gestion/candidatures/list/", "/gestion/candidatures/action_post",
                [{"action": "etudier", "rowid": str(scene["candidature"])}] * 20)),
        }
        resultats["courses"] = {}
        for nom, (pk, statuts) in courses.items():
            objet = "candidature" if "étudier" in nom else "intervenant"
            resultats["courses"][nom] = {
                "http": dict(statuts),
                "transitions": compter(engine, "SELECT count(*) FROM transition_historique WHERE objet_type = :t "
                                       "AND objet_id = :i", t=objet, i=pk),
            }

        journal(f"6. attente de la boîte d'envoi ({args.attente} s au plus)")
        # Drained: no e-mail left to send AND every alert written to the outbox
        # (between two batches of alerts the outbox is empty for a moment).
        restants = ("SELECT (SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending'))"
                    " + (SELECT count(*) FROM alerte_envoyee WHERE email_ecrit_le IS NULL)")
        debut_attente = time.monotonic()
        attendre(pile, lambda: compter(engine, restants) == 0, args.attente, 2)
        resultats["vidage_s"] = round(time.monotonic() - debut_attente)
        with engine.connect() as conn:  # what is left, and why
            resultats["restants"] = [
                f"{template} {statut}, {essais} essai(s), prochain à {prochain or '—'} : {n}"
                for template, statut, essais, prochain, n in conn.execute(sa.text(
                    "SELECT template, status, attempts, min(next_attempt_at), count(*) FROM outbox_message "
                    "WHERE status IN ('pending', 'sending') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"))
            ]
        non_ecrites = compter(engine, "SELECT count(*) FROM alerte_envoyee WHERE email_ecrit_le IS NULL")

        outbox = etat_outbox(engine)
        recus = Counter(puits.recus)
        attendus = {mid for mid, _, _ in outbox["lignes"]}
        envoyes = {mid for mid, statut, _ in outbox["lignes"] if statut == "sent"}
        resultats["emails"] = {
            "écrits (outbox)": len(outbox["lignes"]),
            "envoyés": outbox["statuts"].get("sent", 0),
            "en attente": outbox["statuts"].get("pending", 0) + outbox["statuts"].get("sending", 0),
            "alertes pas encore écrites": non_ecrites,
            "en échec": outbox["statuts"].get("failed", 0),
            "reçus par le puits": sum(recus.values()),
            "Message-ID distincts reçus": len(recus),
            "dupliqués": sum(n - 1 for n in recus.values() if n > 1),
            "perdus (envoyés, jamais reçus)": len(envoyes - set(recus)),
            "reçus inconnus de l'outbox": len(set(recus) - attendus),
        }
        resultats["redemarrages"] = dict(pile.redemarrages)
        resultats["duree_s"] = round(time.monotonic() - debut)
        return resultats
    finally:
        pile.arreter()
        puits.arreter()
        engine.dispose()
        if args.garder:
            journal(f"base conservée : {nom_base}")
        else:
            supprimer_base(nom_base)


def imprimer(r: dict) -> None:
    print("\n== Résultats du script de pannes ==")
    print(f"nominal, décisions (HTTP)      : {dict(r['nominal'])}")
    print(f"SMTP en panne, décisions        : {dict(r['smtp_en_panne'])}")
    print(f"Redis en panne, connexion       : HTTP {r['redis_en_panne']['connexion']}")
    print(f"Redis en panne, décisions       : {dict(r['redis_en_panne']['decisions'])}")
    w = r["worker_tue"]
    print(f"worker tué : publication HTTP {w['publication']}, {w['alertes']} alertes, "
          f"{w['envoyees_avant_kill']} envoyées avant le kill (pendant le lot : {w['tue_pendant_le_lot']})")
    for nom, c in r["courses"].items():
        print(f"course {nom:<28}: HTTP {c['http']}, transitions écrites : {c['transitions']}")
    print("e-mails :")
    for nom, n in r["emails"].items():
        print(f"  {nom:<32} {n}")
    for ligne in r["restants"]:
        print(f"  reste : {ligne}")
    print(f"boîte d'envoi vidée en {r['vidage_s']} s ; redémarrages (superviseur) : {r['redemarrages'] or 'aucun'} ;"
          f" durée totale {r['duree_s']} s")
    print("RESULTATS_JSON " + json.dumps(r, ensure_ascii=False, default=dict))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intervenants", type=int, default=2000, help="volume généré (alertes ≈ les validés)")
    parser.add_argument("--panne-smtp", type=int, default=20, help="secondes sans SMTP")
    parser.add_argument("--panne-redis", type=int, default=15, help="secondes sans Redis")
    parser.add_argument("--attente", type=int, default=300, help="secondes au plus pour vider la boîte d'envoi")
    parser.add_argument("--port-redis", type=int, default=0, help="port du redis-server du script (défaut : libre)")
    parser.add_argument("--prefixe", default=os.environ.get("BENCH_PREFIXE") or "espace_pannes",
                        help="préfixe du nom de la base créée puis supprimée")
    parser.add_argument("--garder", action="store_true", help="ne pas supprimer la base à la fin")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", args.prefixe):
        raise SystemExit(f"Préfixe invalide : {args.prefixe!r}")
    imprimer(executer(args))


if __name__ == "__main__":
    main()
