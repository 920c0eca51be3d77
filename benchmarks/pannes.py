"""``make pannes``: the full stack under faults, counted, with a verdict (issues #26, #34).

Starts everything it needs and nothing shared: its own redis-server, its own
PostgreSQL database (created, then dropped), an SMTP sink in this process
that records every e-mail (recipient, subject, Message-ID) and can be
stopped or slowed down, gunicorn (production settings, 4 workers), an rq
worker and the periodic scheduler (restarted when they exit, as systemd
would). Its ports are taken in ``--ports`` (5750-5799 by default). Then:

1. nominal: decisions;
2. SMTP down: decisions, then the sink comes back;
3. Redis down (killed): a login and decisions, then a new, empty Redis;
4. database « restart »: every connection of the run's database terminated
   (``pg_terminate_backend``, what a server restart does to the
   application; the shared server itself is not restarted), three times,
   each followed by a decision;
5. publication of an annonce (alert fan-out) with a slow SMTP server (0.5 s
   before its 250) and the database connections cut five times during the
   sending, then the worker killed (SIGKILL) and started again;
6. races from separate sessions (own cookie and CSRF token each): 20
   « valider » on one request, 10 « valider » against 10 « rejeter » on
   another, 20 « étudier » bulk actions on a candidature.

Pages (public and staff) are requested by a few clients during every phase;
their 5xx and failed requests are counted per phase. The expected e-mails
are computed from the decisions made and from the alert rule (SQL written
here, not the application's), never from the outbox: one e-mail per decision
to its intervenant, one per alert recipient, one for the candidature. Every
received e-mail is matched to them by recipient and subject (a second e-mail
for the same decision is a duplicate even with a new Message-ID), the final
state of each raced request is compared with the e-mail sent. The script
exits 1 when any figure is off (``VERDICT``), 0 otherwise.

``--defaut envoi-sans-reprise`` runs the worker without the fix of issue #34
(no pre-ping, « sent » committed once, no retry on a fresh connection): a
seeded defect the verdict must catch.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
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
from collections import Counter, defaultdict
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
#: The script's own connections (never terminated by the « restart »).
NOM_SCRIPT = "pannes-script"
#: Subjects of the e-mails the scene causes (app.notifications, app.jobs.alertes).
SUJETS_DECISION = {
    "valider": "Votre inscription à l'Espace Intervenants du CNFPT est validée",
    "rejeter": "Votre demande d'inscription à l'Espace Intervenants du CNFPT n'a pas été retenue",
    "demander_complement": "Votre demande d'inscription : un complément d'information est nécessaire",
}
DECISION_DE_L_ETAT = {"validee": "valider", "rejetee": "rejeter", "complement_demande": "demander_complement"}
SUJET_ALERTE = "Nouvelle annonce publiée sur l'Espace Intervenants : {numero}"
SUJET_ETUDIEE = "Votre candidature à l'annonce {numero} a été étudiée"


def journal(texte: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {texte}", flush=True)


class Ports:
    """Free loopback ports taken in a range (the run's own)."""

    def __init__(self, plage: str):
        premier, dernier = (int(n) for n in plage.split("-"))
        self.candidats = iter(range(premier, dernier + 1))

    def suivant(self) -> int:
        for port in self.candidats:
            with socket.socket() as s:
                try:
                    s.bind((HOTE, port))
                except OSError:
                    continue
                return port
        raise RuntimeError("plus de port libre dans la plage --ports")


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
    """Records every e-mail (recipients, subject, Message-ID); stoppable (SMTP
    down) and slowable (``delai`` seconds before its 250)."""

    def __init__(self, port: int):
        self.port = port
        self.recus: list[dict] = []
        self.delai = 0.0
        self._verrou = threading.Lock()
        self._controleur: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        entetes = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            envelope.original_content or envelope.content)
        if self.delai:
            await asyncio.sleep(self.delai)
        with self._verrou:
            for destinataire in envelope.rcpt_tos:
                self.recus.append({"a": destinataire.lower(), "sujet": " ".join(str(entetes["Subject"]).split()),
                                   "mid": str(entetes.get("Message-ID", "")).strip()})
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
    """redis-server, gunicorn, rq worker, scheduler: started, watched, stopped."""

    def __init__(self, url_base: str, port_redis: int, port_smtp: int, port_web: int, journaux: Path,
                 defaut: str | None):
        self.port_redis, self.port_web = port_redis, port_web
        self.journaux = journaux
        self.redis_url = f"redis://{HOTE}:{port_redis}/0"
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "APP_CONFIG", "DATABASE_URL")}
        self.env.update(
            FLASK_APP="app", APP_CONFIG="production", DATABASE_URL=url_base, REDIS_URL=self.redis_url,
            SECRET_KEY=secrets.token_urlsafe(48), ENCRYPTION_KEY=ENCRYPTION_KEY, SESSION_COOKIE_SECURE="0",
            MAIL_SERVER=HOTE, MAIL_PORT=str(port_smtp), MAIL_TIMEOUT="5", PUBLIC_BASE_URL=f"http://{HOTE}:{port_web}",
            AUTH_RATE_LIMIT="1000 per minute", COMPTES_RATE_LIMIT="1000 per minute", ALERTES_TAILLE_LOT="100",
            PYTHONUNBUFFERED="1",
            # A row left « sending » is sent again after 20 s, not 60: a defect shows within the run.
            MAIL_SENDING_LEASE="20",
            DEUX_FACTEURS_ROLES="Aucun",  # its staff have no second factor enrolled (issue 28)
        )
        self.procs: dict[str, subprocess.Popen] = {}
        self.redemarrages: Counter[str] = Counter()
        worker = [str(BIN / "rq"), "worker"]
        if defaut == "envoi-sans-reprise":
            worker = [sys.executable, "-m", "benchmarks.defaut_envoi", "worker"]
        self._commandes = {
            "redis": ["redis-server", "--port", str(port_redis), "--bind", HOTE, "--save", "", "--appendonly", "no"],
            "web": [str(BIN / "gunicorn"), "--workers", "4", "--worker-class", "sync", "--bind", f"{HOTE}:{port_web}",
                    "--log-level", "warning", "app.wsgi:app"],
            "worker": [*worker, "--url", self.redis_url, "--worker-class", "app.jobs.AppWorker",
                       "--with-scheduler", "mail", "default"],
            "cron": [sys.executable, "-m", "app.jobs.planificateur", "--url", self.redis_url],
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
        """Restart a worker or a scheduler that exited (the supervisor's job)."""
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
    """One browser session against gunicorn (its own cookie ``session``)."""

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


def en_meme_temps(port: int, email_: str, chemin_jeton: str, url: str, formulaires: list[dict]) -> Counter[int]:
    """POST every form at once, each from its own signed-in session (own
    cookie and CSRF token), released together by a barrier."""
    barriere = threading.Barrier(len(formulaires))
    statuts: Counter[int] = Counter()
    verrou = threading.Lock()

    def client(formulaire: dict) -> None:
        nav = Navigateur(port)
        jeton = None
        try:
            if nav.connecter(email_) == 302:
                jeton = nav.jeton(chemin_jeton)
        except (OSError, RuntimeError):
            jeton = None
        barriere.wait(timeout=120)
        try:
            statut = nav.requete("POST", url, {"csrf_token": jeton, **formulaire})[0] if jeton else -1
        except OSError:
            statut = 0
        with verrou:
            statuts[statut] += 1

    fils = [threading.Thread(target=client, args=(f,)) for f in formulaires]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=240)
    return statuts


class Charge:
    """A few clients requesting pages during every phase: answers counted per
    phase (5xx, and 0 for a failed connection)."""

    def __init__(self, port: int, email_: str):
        self.port, self.email = port, email_
        self.phase = "préparation"
        self.reponses: dict[str, Counter[int]] = defaultdict(Counter)
        self._arret = threading.Event()
        self._verrou = threading.Lock()
        self._fils: list[threading.Thread] = []

    def _client(self, pages: list[str], connecte: bool) -> None:
        nav = Navigateur(self.port)
        while not self._arret.is_set():
            if connecte and nav.cookie is None:
                try:
                    nav.connecter(self.email)
                except (OSError, RuntimeError):
                    nav.cookie = None
            for page in pages:
                phase = self.phase
                try:
                    statut = nav.requete("GET", page)[0]
                except OSError:
                    statut = 0
                with self._verrou:
                    self.reponses[phase][statut] += 1
                if self._arret.wait(0.2):
                    return

    def demarrer(self) -> None:
        gestion = ["/gestion/demandes-inscription/list/", "/gestion/annonces/list/", "/gestion/candidatures/list/"]
        public = ["/", "/annonces/"]
        for pages, connecte in ((gestion, True), (gestion[::-1], True), (public, False)):
            fil = threading.Thread(target=self._client, args=(pages, connecte), daemon=True)
            fil.start()
            self._fils.append(fil)

    def arreter(self) -> None:
        self._arret.set()
        for fil in self._fils:
            fil.join(timeout=150)


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
        candidat_email = db.session.scalar(sa.select(User.email).join(Intervenant, Intervenant.user_id == User.id)
                                           .where(Intervenant.id == candidat))
        scene = {"gestionnaire": email_g, "demandes": list(ids), "annonce": annonce.id, "candidature": candidature.id,
                 "candidat": candidat_email.lower()}
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return scene


def couper_connexions(nom_base: str) -> int:
    """Terminate every connection of the run's database but the script's own:
    what a PostgreSQL restart does to gunicorn, the worker and the scheduler."""
    admin = sa.create_engine(f"{PG_SERVEUR}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        n = conn.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :b "
            "AND pid <> pg_backend_pid() AND coalesce(application_name, '') <> :s"), {"b": nom_base, "s": NOM_SCRIPT})
    admin.dispose()
    return n


#: The alert rule, written here from the specification (FUNCTIONAL.md), not
#: taken from the application: validated intervenants whose chosen spécialités
#: (directly or through a sous-spécialité) or régions match the annonce,
#: according to their three alert preferences.
SQL_ALERTES_ATTENDUES = """
SELECT lower(u.email) FROM intervenant i JOIN ab_user u ON u.id = i.user_id
WHERE i.etat_inscription = 'validee' AND u.email LIKE '%@%' AND (
      (i.alerte_specialites AND (SPEC))
   OR (i.alerte_regions AND (REG))
   OR (i.alerte_specialites_et_regions AND (SPEC) AND (REG)))
""".replace("SPEC", """EXISTS (SELECT 1 FROM intervenant_specialite x JOIN annonce_specialite a
                  ON a.specialite_id = x.specialite_id WHERE x.intervenant_id = i.id AND a.annonce_id = :a)
   OR EXISTS (SELECT 1 FROM intervenant_sous_specialite x JOIN sous_specialite s ON s.id = x.sous_specialite_id
                  JOIN annonce_specialite a ON a.specialite_id = s.specialite_id
              WHERE x.intervenant_id = i.id AND a.annonce_id = :a)""").replace(
    "REG", """EXISTS (SELECT 1 FROM intervenant_region x JOIN annonce_region a ON a.region_id = x.region_id
                  WHERE x.intervenant_id = i.id AND a.annonce_id = :a)""")


def compter(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(sql), params)


def etat_de(engine, pk: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(sa.text("SELECT etat_inscription FROM intervenant WHERE id = :i"), {"i": pk}))


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
    ports = Ports(args.ports)
    port_redis, port_smtp, port_web = ports.suivant(), ports.suivant(), ports.suivant()
    puits = Puits(port_smtp)
    r: dict = {"base": nom_base, "journaux": str(journaux.relative_to(RACINE)), "defaut": args.defaut,
               "decisions": [], "phases": {}}
    journal(f"base {nom_base}, redis :{port_redis}, smtp :{port_smtp}, web :{port_web}, "
            f"journaux {journaux.relative_to(RACINE)}" + (f", DÉFAUT INJECTÉ : {args.defaut}" if args.defaut else ""))
    url = creer_base(nom_base)
    pile = Pile(url, port_redis, port_smtp, port_web, journaux, args.defaut)
    engine = sa.create_engine(url, connect_args={"application_name": NOM_SCRIPT})
    charge = None
    debut = time.monotonic()
    try:
        scene = preparer_donnees(url, pile.env, args.intervenants)
        with engine.connect() as conn:
            emails = dict(conn.execute(sa.text(
                "SELECT i.id, lower(u.email) FROM intervenant i JOIN ab_user u ON u.id = i.user_id "
                "WHERE i.id = ANY(:ids)"), {"ids": scene["demandes"]}).all())
        demandes = iter(scene["demandes"])
        journal(f"données prêtes ({time.monotonic() - debut:.0f} s) ; gestionnaire {scene['gestionnaire']}")
        puits.demarrer()
        for nom in ("redis", "web", "worker", "cron"):
            pile.lancer(nom)
        nav = Navigateur(pile.port_web)
        if nav.connecter(scene["gestionnaire"]) != 302:
            raise RuntimeError("connexion du gestionnaire refusée")
        charge = Charge(pile.port_web, scene["gestionnaire"])
        charge.demarrer()

        def decisions(phase: str, decision: str, n: int, avant=None) -> None:
            charge.phase = phase
            for _ in range(n):
                if avant is not None:
                    avant()
                pk = next(demandes)
                r["decisions"].append({"phase": phase, "demande": pk, "decision": decision,
                                       "http": decider(nav, pk, decision)})

        journal("1. nominal : 5 décisions")
        decisions("nominal", "valider", 5)

        journal(f"2. SMTP arrêté {args.panne_smtp} s : 5 décisions")
        puits.arreter()
        decisions("SMTP arrêté", "rejeter", 5)
        time.sleep(args.panne_smtp)
        puits.demarrer()

        journal(f"3. Redis tué {args.panne_redis} s : une connexion et 5 décisions, puis un Redis neuf et vide")
        pile.tuer("redis")
        charge.phase = "Redis arrêté"
        r["connexion_sans_redis"] = Navigateur(pile.port_web).connecter(scene["gestionnaire"])
        decisions("Redis arrêté", "demander_complement", 5)
        time.sleep(args.panne_redis)
        pile.lancer("redis")

        journal("4. base « redémarrée » trois fois (toutes ses connexions coupées), une décision après chacune")
        coupures_base = []
        decisions("base redémarrée", "valider", 3,
                  avant=lambda: (coupures_base.append(couper_connexions(nom_base)), time.sleep(1)))
        r["phases"]["base redémarrée"] = {"connexions coupées": coupures_base}

        journal("5. publication (alertes), SMTP lent (0,5 s) et 5 coupures de la base pendant l'envoi, puis worker tué")
        charge.phase = "alertes : SMTP lent et base coupée"
        numero = compter(engine, "SELECT numero FROM annonce WHERE id = :a", a=scene["annonce"])
        with engine.connect() as conn:
            attendues_alertes = conn.scalars(sa.text(SQL_ALERTES_ATTENDUES), {"a": scene["annonce"]}).all()
        jeton = nav.jeton("/gestion/annonces/list/")
        puits.delai = 0.5
        r["publication"] = nav.requete("POST", "/gestion/annonces/action_post",
                                       {"csrf_token": jeton, "action": "publier", "rowid": str(scene["annonce"])})[0]
        envoyees = "SELECT count(*) FROM outbox_message WHERE template = 'annonce_alerte' AND status = 'sent'"
        attendre(pile, lambda: compter(engine, envoyees) >= 5, 120, 0.1)
        coupures = []
        for _ in range(5):
            time.sleep(1.3)
            coupures.append(couper_connexions(nom_base))
        time.sleep(1)
        puits.delai = 0.0
        charge.phase = "alertes : worker tué"
        avant_kill = compter(engine, envoyees)
        tue = attendre(pile, lambda: compter(engine, envoyees) >= avant_kill + 30, 120, 0.05)
        deja = compter(engine, envoyees)
        pile.tuer("worker")
        r["phases"]["alertes"] = {"alertes attendues": len(attendues_alertes), "connexions coupées": coupures,
                                  "envoyées avant le kill": deja,
                                  "worker tué pendant l'envoi": tue and deja < len(attendues_alertes)}
        journal(f"   coupures {coupures} ; worker tué après {deja}/{len(attendues_alertes)} alertes ; relancé dans 2 s")
        time.sleep(2)
        pile.lancer("worker")

        journal("6. courses depuis des sessions distinctes : 20 « valider », 10 « valider » contre 10 « rejeter », "
                "20 « étudier »")
        charge.phase = "courses"
        a, b = next(demandes), next(demandes)
        g = scene["gestionnaire"]
        courses = {
            "20 valider": (a, en_meme_temps(pile.port_web, g, f"/gestion/demandes-inscription/show/{a}",
                                            f"/gestion/decisions-inscription/{a}", [{"decision": "valider"}] * 20)),
            "10 valider / 10 rejeter": (b, en_meme_temps(
                pile.port_web, g, f"/gestion/demandes-inscription/show/{b}", f"/gestion/decisions-inscription/{b}",
                [{"decision": "valider"}, {"decision": "rejeter", "commentaire": "Motif"}] * 10)),
            "20 étudier (action groupée)": (scene["candidature"], en_meme_temps(
                pile.port_web, g, "/gestion/candidatures/list/", "/gestion/candidatures/action_post",
                [{"action": "etudier", "rowid": str(scene["candidature"])}] * 20)),
        }
        r["courses"] = {}
        for nom, (pk, statuts) in courses.items():
            objet = "candidature" if "étudier" in nom else "intervenant"
            r["courses"][nom] = {"objet": pk, "http": dict(statuts), "transitions": compter(
                engine, "SELECT count(*) FROM transition_historique WHERE objet_type = :t AND objet_id = :i",
                t=objet, i=pk)}

        journal(f"7. attente de la boîte d'envoi ({args.attente} s au plus)")
        charge.phase = "attente"
        restants = ("SELECT (SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending'))"
                    " + (SELECT count(*) FROM alerte_envoyee WHERE email_ecrit_le IS NULL)")
        debut_attente = time.monotonic()
        attendre(pile, lambda: compter(engine, restants) == 0, args.attente, 2)
        r["vidage_s"] = round(time.monotonic() - debut_attente)
        time.sleep(3)  # an e-mail accepted just now is recorded by the sink
        charge.arreter()
        with engine.connect() as conn:
            r["outbox"] = {str(s): n for s, n in conn.execute(sa.text(
                "SELECT status, count(*) FROM outbox_message GROUP BY status")).all()}
        r["alertes_non_ecrites"] = compter(engine, "SELECT count(*) FROM alerte_envoyee WHERE email_ecrit_le IS NULL")

        # What was expected, from the decisions made and the alert rule (never the outbox).
        attendus: Counter[tuple[str, str]] = Counter()
        for d in r["decisions"]:
            d["etat_final"] = etat_de(engine, d["demande"])
            attendus[(emails[d["demande"]], SUJETS_DECISION[d["decision"]])] += 1
        for nom in ("20 valider", "10 valider / 10 rejeter"):
            course = r["courses"][nom]
            course["etat_final"] = etat_de(engine, course["objet"])
            decision = DECISION_DE_L_ETAT.get(course["etat_final"])
            course["email_attendu"] = SUJETS_DECISION.get(decision)
            if decision:
                attendus[(emails[course["objet"]], SUJETS_DECISION[decision])] += 1
            course["emails_recus"] = sorted(x["sujet"] for x in puits.recus if x["a"] == emails[course["objet"]])
        for adresse in attendues_alertes:
            attendus[(adresse, SUJET_ALERTE.format(numero=numero))] += 1
        attendus[(scene["candidat"], SUJET_ETUDIEE.format(numero=numero))] += 1
        r["attendus"], r["recus"] = attendus, Counter((x["a"], x["sujet"]) for x in puits.recus)
        r["message_ids_dupliques"] = sum(n - 1 for n in Counter(x["mid"] for x in puits.recus).values() if n > 1)
        r["reponses"] = {phase: dict(c) for phase, c in charge.reponses.items()}
        r["redemarrages"] = dict(pile.redemarrages)
        r["duree_s"] = round(time.monotonic() - debut)
        return r
    finally:
        if charge is not None:
            charge.arreter()
        pile.arreter()
        puits.arreter()
        engine.dispose()
        if args.garder:
            journal(f"base conservée : {nom_base}")
        else:
            supprimer_base(nom_base)


def bilan_emails(attendus: Counter, recus: Counter) -> dict[str, int]:
    """Expected against received, per (recipient, subject): one each."""
    return {
        "attendus": sum(attendus.values()),
        "reçus": sum(recus.values()),
        "manquants": sum(max(n - recus.get(cle, 0), 0) for cle, n in attendus.items()),
        "en double (même décision ou alerte)": sum(max(recus.get(cle, 0) - n, 0) for cle, n in attendus.items()),
        "inattendus": sum(n for cle, n in recus.items() if cle not in attendus),
    }


def verdict(r: dict) -> list[str]:
    """Every figure that is off; empty when the run is sound."""
    ecarts = []
    for d in r["decisions"]:
        if d["http"] != 302:
            ecarts.append(f"décision {d['decision']} ({d['phase']}) sur la demande {d['demande']} : HTTP {d['http']}")
        if DECISION_DE_L_ETAT.get(d.get("etat_final")) != d["decision"]:
            ecarts.append(f"demande {d['demande']} : état final {d.get('etat_final')} après « {d['decision']} »")
    if r.get("connexion_sans_redis") != 302:
        ecarts.append(f"connexion sans Redis : HTTP {r.get('connexion_sans_redis')}")
    if r.get("publication") != 302:
        ecarts.append(f"publication : HTTP {r.get('publication')}")
    for nom, c in r["courses"].items():
        if c["transitions"] != 1:
            ecarts.append(f"course {nom} : {c['transitions']} transitions écrites")
        mauvais = {s: n for s, n in c["http"].items() if s not in (200, 302)}
        if mauvais:
            ecarts.append(f"course {nom} : réponses {mauvais}")
        if "emails_recus" in c and c["emails_recus"] != [c["email_attendu"]]:
            ecarts.append(f"course {nom} : état final {c['etat_final']}, e-mails reçus {c['emails_recus']}")
    for phase, reponses in r["reponses"].items():
        erreurs = {s: n for s, n in reponses.items() if s >= 500 or s == 0}
        if erreurs:
            ecarts.append(f"pages pendant « {phase} » : {erreurs}")
    for phase, details in r["phases"].items():
        if not all(details["connexions coupées"]):
            ecarts.append(f"{phase} : une coupure n'a trouvé aucune connexion ({details['connexions coupées']})")
    if not r["phases"].get("alertes", {}).get("worker tué pendant l'envoi"):
        ecarts.append("le worker n'a pas été tué pendant l'envoi des alertes")
    bilan = bilan_emails(r["attendus"], r["recus"])
    for nom in ("manquants", "en double (même décision ou alerte)", "inattendus"):
        if bilan[nom]:
            ecarts.append(f"e-mails {nom} : {bilan[nom]}")
    if r["message_ids_dupliques"]:
        ecarts.append(f"Message-ID reçus plusieurs fois : {r['message_ids_dupliques']}")
    for statut in ("pending", "sending", "failed"):
        if r["outbox"].get(statut):
            ecarts.append(f"boîte d'envoi : {r['outbox'][statut]} « {statut} » à la fin")
    if r["alertes_non_ecrites"]:
        ecarts.append(f"alertes jamais écrites : {r['alertes_non_ecrites']}")
    return ecarts


def imprimer(r: dict, ecarts: list[str]) -> None:
    print("\n== Résultats du script de pannes ==" + (f" (DÉFAUT INJECTÉ : {r['defaut']})" if r["defaut"] else ""))
    par_phase: dict[str, Counter] = defaultdict(Counter)
    for d in r["decisions"]:
        par_phase[d["phase"]][d["http"]] += 1
    for phase, c in par_phase.items():
        print(f"décisions « {phase} » (HTTP)".ljust(44) + f": {dict(c)}")
    print(f"{'connexion avec Redis arrêté':<44}: HTTP {r['connexion_sans_redis']}")
    for phase, details in r["phases"].items():
        print(f"{phase:<44}: {details}")
    for nom, c in r["courses"].items():
        print(f"course {nom:<37}: HTTP {c['http']}, transitions {c['transitions']}"
              + (f", état final {c['etat_final']}, e-mails {len(c['emails_recus'])}" if "etat_final" in c else ""))
    print("pages pendant chaque phase (réponses HTTP ; 0 = connexion échouée) :")
    for phase, reponses in r["reponses"].items():
        print(f"  {phase:<42}: {dict(sorted(reponses.items()))}")
    print("e-mails (par destinataire et objet, attendus calculés sans la boîte d'envoi) :")
    for nom, n in bilan_emails(r["attendus"], r["recus"]).items():
        print(f"  {nom:<42}: {n}")
    print(f"  {'Message-ID reçus plusieurs fois':<42}: {r['message_ids_dupliques']}")
    print(f"  {'boîte d envoi à la fin':<42}: {r['outbox']} ; alertes non écrites {r['alertes_non_ecrites']}")
    print(f"boîte d'envoi vidée en {r['vidage_s']} s ; redémarrages (superviseur) : {r['redemarrages'] or 'aucun'} ;"
          f" durée totale {r['duree_s']} s")
    print("VERDICT : " + ("OK" if not ecarts else f"{len(ecarts)} écart(s)"))
    for ecart in ecarts:
        print(f"  - {ecart}")
    resume = {k: v for k, v in r.items() if k not in ("attendus", "recus")}
    print("RESULTATS_JSON " + json.dumps(resume, ensure_ascii=False, default=dict))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intervenants", type=int, default=2000, help="volume généré (alertes ≈ les validés)")
    parser.add_argument("--panne-smtp", type=int, default=20, help="secondes sans SMTP")
    parser.add_argument("--panne-redis", type=int, default=15, help="secondes sans Redis")
    parser.add_argument("--attente", type=int, default=300, help="secondes au plus pour vider la boîte d'envoi")
    parser.add_argument("--ports", default=os.environ.get("PANNES_PORTS") or "5750-5799",
                        help="plage des ports du script (redis, SMTP, gunicorn)")
    parser.add_argument("--prefixe", default=os.environ.get("BENCH_PREFIXE") or "espace_pannes",
                        help="préfixe du nom de la base créée puis supprimée")
    parser.add_argument("--defaut", choices=["envoi-sans-reprise"],
                        help="défaut injecté que le verdict doit voir (sortie 1)")
    parser.add_argument("--garder", action="store_true", help="ne pas supprimer la base à la fin")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", args.prefixe):
        raise SystemExit(f"Préfixe invalide : {args.prefixe!r}")
    if not re.fullmatch(r"\d{1,5}-\d{1,5}", args.ports):
        raise SystemExit(f"Plage de ports invalide : {args.ports!r}")
    resultats = executer(args)
    ecarts = verdict(resultats)
    imprimer(resultats, ecarts)
    sys.exit(1 if ecarts else 0)


if __name__ == "__main__":
    main()
