"""Application settings, read from environment variables only.

Three profiles: ``DefaultConfig`` (the embedded run: SQLite file under
``instance/``, jobs inline, e-mails written as .eml files, keys made at the
first run and kept under ``instance/``), ``TestingConfig`` (fixed test keys) and
``ProductionConfig`` (everything comes from the environment and missing secrets
are an error). ``create_app`` picks one by name or receives a class.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on", "oui")


def base_publique(environ=os.environ) -> str:
    """The base of the links in e-mails: ``PUBLIC_BASE_URL``, else the
    address ``make run`` serves on (its ``PORT``, 5000 by default), so that a
    link of ``PORT=5081 make run`` opens on 5081 (issue 25)."""
    explicite = environ.get("PUBLIC_BASE_URL")
    if explicite:
        return explicite
    return f"http://127.0.0.1:{environ.get('PORT') or '5000'}"


class DefaultConfig:
    """Embedded default: works on a fresh machine with nothing but Python."""

    APP_NAME = "Espace Intervenants"
    APP_ICON = ""
    # Without the variable: a random key made at the first run, kept in
    # instance/ (never committed) and reused (``completer_cles``).
    SECRET_KEY = _env("SECRET_KEY")
    DOSSIER_CLES = str(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'espace-intervenants.db'}"
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # PostgreSQL: connections are checked before use and replaced after this
    # many seconds (a firewall or pooler may drop idle ones silently).
    SQLALCHEMY_POOL_RECYCLE = int(_env("SQLALCHEMY_POOL_RECYCLE", "1800"))
    REDIS_URL = _env("REDIS_URL")  # None: jobs run inline in the web process
    RQ_QUEUES = ("default", "mail")
    # The web process's Redis client (job queues): seconds to connect and to
    # wait for an answer, no retry. A frozen Redis costs a decision at most
    # this long after its commit; the e-mail stays pending for the re-dispatch.
    REDIS_CONNECT_TIMEOUT = float(_env("REDIS_CONNECT_TIMEOUT", "1"))
    REDIS_SOCKET_TIMEOUT = float(_env("REDIS_SOCKET_TIMEOUT", "2"))

    # Flask-AppBuilder
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    FAB_UPDATE_PERMS = False  # permissions come from code: `flask roles sync`
    FAB_CREATE_DB = False  # the schema comes from migrations only
    FAB_ADD_SECURITY_API = False
    FAB_API_SWAGGER_UI = False
    FAB_ADD_MENU_API = False  # the menu is rendered server-side
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.EspaceSecurityManager"
    FAB_BASE_TEMPLATE = "base.html"
    FAB_INDEX_VIEW = "app.views.portail.AccueilView"
    FAB_API_MAX_PAGE_SIZE = 100
    AUTH_RATE_LIMITED = True
    # Failed login attempts per client address (form and API; sign-ins do not count).
    AUTH_RATE_LIMIT = _env("AUTH_RATE_LIMIT", "30 per 5 minute")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Storage unreachable (Redis down, issue #26): count in this process's
    # memory and log a warning ("falling back to in-memory storage"), back to
    # Redis once it answers; any other storage error lets the request through
    # (logged). Never a 500 on the login or account forms because of Redis.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    PAGE_SIZE = 20

    # Language: French only, dates shown dd/mm/yyyy
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = {"fr": {"flag": "fr", "name": "Français"}}
    DATE_FORMAT = "%d/%m/%Y"
    DATETIME_FORMAT = "%d/%m/%Y %H:%M"

    # Security of forms and cookies
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    # Sessions end (app.security.sessions): seconds without a request before a
    # staff or an intervenant session expires, and the longest session.
    SESSION_INACTIVITE_PERSONNEL = int(_env("SESSION_INACTIVITE_PERSONNEL", "1800"))
    SESSION_INACTIVITE_INTERVENANT = int(_env("SESSION_INACTIVITE_INTERVENANT", "7200"))
    SESSION_DUREE_MAX = int(_env("SESSION_DUREE_MAX", "43200"))
    PERMANENT_SESSION_LIFETIME = SESSION_DUREE_MAX
    # An API refresh token lives no longer than a session (its session row is
    # checked at every call too: app.security.sessions).
    JWT_REFRESH_TOKEN_EXPIRES = SESSION_DUREE_MAX

    # Mail: without MAIL_SERVER, messages are written as .eml under instance/mail/
    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = int(_env("MAIL_PORT", "25"))
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = int(_env("MAIL_TIMEOUT", "10"))
    MAIL_DEFAULT_SENDER = _env(
        "MAIL_DEFAULT_SENDER", "Espace Intervenants CNFPT <ne-pas-repondre@cnfpt.fr>"
    )
    MAIL_FILE_DIR = _env("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_MAX_ATTEMPTS = int(_env("MAIL_MAX_ATTEMPTS", "6"))
    # A message left « sending » (its worker died) is attempted again after
    # this many seconds; longer than one attempt may take (a few MAIL_TIMEOUT).
    MAIL_SENDING_LEASE = int(_env("MAIL_SENDING_LEASE", "60"))
    PUBLIC_BASE_URL = base_publique()
    OUTBOX_RETENTION_DAYS = int(_env("OUTBOX_RETENTION_DAYS", "90"))

    # Accounts and login protection
    # Login throttle (app.security.auth.ralentissement): after AUTH_MAX_ECHECS
    # failures for one identifier from one address within AUTH_FENETRE_ECHECS
    # seconds, or AUTH_MAX_ECHECS_ADRESSE from one address (any identifier)
    # within AUTH_FENETRE_ADRESSE, each attempt from that address waits
    # AUTH_DELAI_INITIAL seconds, doubled at every further failure, up to
    # AUTH_DUREE_VERROUILLAGE seconds. After AUTH_SEUIL_CAPTCHA failures of
    # one identifier from anywhere, the form asks for the captcha and the API
    # delays each address from its first failure.
    AUTH_MAX_ECHECS = int(_env("AUTH_MAX_ECHECS", "5"))
    AUTH_SEUIL_CAPTCHA = int(_env("AUTH_SEUIL_CAPTCHA", "5"))
    AUTH_DELAI_INITIAL = int(_env("AUTH_DELAI_INITIAL", "30"))
    AUTH_DUREE_VERROUILLAGE = int(_env("AUTH_DUREE_VERROUILLAGE", "900"))
    AUTH_FENETRE_ECHECS = int(_env("AUTH_FENETRE_ECHECS", "86400"))
    AUTH_MAX_ECHECS_ADRESSE = int(_env("AUTH_MAX_ECHECS_ADRESSE", "50"))
    AUTH_FENETRE_ADRESSE = int(_env("AUTH_FENETRE_ADRESSE", "3600"))
    # Second factor (issue 28, app.security.deux_facteurs): the roles that
    # must use it (comma-separated role names); anyone else may choose it.
    DEUX_FACTEURS_ROLES = tuple(
        nom.strip() for nom in _env("DEUX_FACTEURS_ROLES", "Gestionnaire,Administrateur national").split(",") if nom.strip()
    )
    # Embedded run only: the demo's staff accounts are enrolled with a public
    # secret (app.donnees.demo.DEMO_SECRET_TOTP, in the README) so that a tester can
    # compute their codes. Never in production: each person enrols a device.
    DEMO_SECOND_FACTEUR = True
    CAPTCHA_TTL = int(_env("CAPTCHA_TTL", "900"))  # seconds
    COMPTES_RATE_LIMIT = _env("COMPTES_RATE_LIMIT", "20 per 5 minute")
    CONNEXION_LOG_RETENTION_DAYS = int(_env("CONNEXION_LOG_RETENTION_DAYS", "180"))

    # Leaving and personal data (issue 24, app.models.regles_depart): an
    # archived account that never intervened is purged after
    # CONSERVATION_SANS_INTERVENTION_MOIS months, one that did
    # CONSERVATION_APRES_INTERVENTION_ANS years after its last intervention's
    # end; no login for INACTIVITE_JOURS days archives an intervenant's
    # account, warned by e-mail INACTIVITE_PREAVIS_JOURS days before; a
    # « Récupérer mes données » file can be downloaded once, within
    # EXPORT_DONNEES_VALIDITE_HEURES hours.
    CONSERVATION_SANS_INTERVENTION_MOIS = int(_env("CONSERVATION_SANS_INTERVENTION_MOIS", "12"))
    CONSERVATION_APRES_INTERVENTION_ANS = int(_env("CONSERVATION_APRES_INTERVENTION_ANS", "5"))
    INACTIVITE_JOURS = int(_env("INACTIVITE_JOURS", "1095"))
    INACTIVITE_PREAVIS_JOURS = int(_env("INACTIVITE_PREAVIS_JOURS", "30"))
    EXPORT_DONNEES_VALIDITE_HEURES = int(_env("EXPORT_DONNEES_VALIDITE_HEURES", "72"))
    # Dossier administratif (issue 33): sensitive reads (NIR/IBAN shown,
    # pieces downloaded) per staff account and Paris day; past it, refused
    # and the national administration alerted (app.operations.dossier).
    LECTURES_SENSIBLES_PAR_JOUR = int(_env("LECTURES_SENSIBLES_PAR_JOUR", "30"))
    # Days a staff account's daily count of sensitive reads is kept (the
    # console's « Plafond des lectures sensibles »), then deleted each night.
    LECTURES_SENSIBLES_CONSERVATION_JOURS = int(_env("LECTURES_SENSIBLES_CONSERVATION_JOURS", "365"))

    # Portal: optional audience measurement, loaded only after consent
    MESURE_AUDIENCE_URL = _env("MESURE_AUDIENCE_URL")
    # Alert fan-out: e-mails written per background job
    ALERTES_TAILLE_LOT = int(_env("ALERTES_TAILLE_LOT", "500"))
    MESSAGERIE_TAILLE_LOT = int(_env("MESSAGERIE_TAILLE_LOT", "200"))
    # Referential option lists kept per process (seconds; 0 = no cache). A
    # change made in another process is seen within this delay.
    CACHE_REFERENTIELS_SECONDES = int(_env("CACHE_REFERENTIELS_SECONDES", "60"))
    # Permission sets kept per process and checked against the permission
    # tables at each request (app.security.manager); upper bound in seconds.
    CACHE_PERMISSIONS_SECONDES = int(_env("CACHE_PERMISSIONS_SECONDES", "300"))
    # PostgreSQL: keep the statements marked ``preparee`` prepared on each
    # connection; "0" behind a transaction-mode pooler (PgBouncer…).
    POSTGRESQL_PREPARER = _env_bool("POSTGRESQL_PREPARER", True)
    # Public pages (home, annonce search and detail) served again to anonymous
    # visitors for this many seconds at most (app.views.cache_public); 0 = off.
    CACHE_PAGES_PUBLIQUES_SECONDES = int(_env("CACHE_PAGES_PUBLIQUES_SECONDES", "10"))
    # The suggestions shown on pages (« Annonces pour vous », « Intervenants
    # suggérés »), ranked again at most this often per process
    # (app.operations.suggestions); 0 = at each visit.
    CACHE_SUGGESTIONS_SECONDES = int(_env("CACHE_SUGGESTIONS_SECONDES", "300"))

    # Operations (issue 38, docs/exploitation.md): /metrics answers only
    # ``Authorization: Bearer <METRIQUES_JETON>``; without it, a 404.
    METRIQUES_JETON = _env("METRIQUES_JETON")
    # One JSON line per log record on stderr (app.infra.journal); production's default.
    JOURNAL_JSON = _env_bool("JOURNAL_JSON", False)

    # Files: outside any static folder; sensitive ones encrypted with this key
    STORAGE_BACKEND = _env("STORAGE_BACKEND", "local")  # "local" or "s3"
    # S3-compatible object storage (STORAGE_BACKEND=s3, app.infra.storage):
    # the service's URL (empty: AWS), bucket, region, keys, an optional key
    # prefix, "path" or "virtual" addressing.
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_BUCKET = _env("S3_BUCKET")
    S3_REGION = _env("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    S3_PREFIXE = _env("S3_PREFIXE", "")
    S3_ADRESSAGE = _env("S3_ADRESSAGE", "path")
    UPLOAD_FOLDER = _env("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    # Fernet key (urlsafe base64, 32 bytes). Without the variable: made at the
    # first run and kept in instance/, like SECRET_KEY.
    ENCRYPTION_KEY = _env("ENCRYPTION_KEY")
    # Key rotation (issue 20): the previous keys, comma-separated, still read
    # while ``flask chiffrement rechiffrer`` rewrites everything under ENCRYPTION_KEY.
    ENCRYPTION_KEYS_PRECEDENTES = _env("ENCRYPTION_KEYS_PRECEDENTES", "")


class TestingConfig(DefaultConfig):
    """Tests: in-memory-like SQLite unless DATABASE_URL is set, inline jobs unless
    REDIS_URL is set, mail to a file folder unless a test points it at SMTP."""

    TESTING = True
    SECRET_KEY = "testing-secret-key-long-enough-for-jwt-hs256"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = _env("TEST_REDIS_URL")
    MAIL_SERVER = None
    RATELIMIT_ENABLED = False
    AUTH_RATE_LIMITED = False
    PUBLIC_BASE_URL = "http://localhost"
    ENCRYPTION_KEY = "dGVzdGluZy1rZXktZXNwYWNlLWludGVydmVuYW50czA="
    # Hashing cost is irrelevant in tests and dominates their run time.
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, not a secret


class ProductionConfig(DefaultConfig):
    """Full stack: every secret must come from the environment."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    DEMO_SECOND_FACTEUR = False
    JOURNAL_JSON = _env_bool("JOURNAL_JSON", True)
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI") or _env("REDIS_URL") or "memory://"

    @classmethod
    def check(cls) -> None:
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "ENCRYPTION_KEY")
            if not _env(name)
        ]
        if missing:
            raise RuntimeError(
                "Configuration de production incomplète : " + ", ".join(missing)
            )


def _cle_fernet() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


#: Keys the embedded run makes itself when the environment has none: the
#: setting, its file under INSTANCE_DIR, how to make one.
CLES_LOCALES = {
    "SECRET_KEY": ("secret_key", lambda: secrets.token_urlsafe(48)),
    "ENCRYPTION_KEY": ("encryption_key", _cle_fernet),
}


def cle_locale(dossier: str | Path, fichier: str, fabriquer) -> str:
    """The key kept in ``dossier/fichier``: read, or made once (mode 600).
    Two processes starting together agree on the first one written."""
    chemin = Path(dossier) / fichier
    chemin.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other process may still be writing it
            valeur = chemin.read_text().strip()
            if valeur:
                return valeur
            time.sleep(0.02)
        raise RuntimeError(f"Clé vide : {chemin}") from None
    valeur = fabriquer()
    with os.fdopen(fd, "w") as fichier_cle:
        fichier_cle.write(valeur + "\n")
    return valeur


def completer_cles(config) -> None:
    """Give the embedded run the keys the environment did not: no key ships
    with the code (a known key let anyone forge an admin session)."""
    for nom, (fichier, fabriquer) in CLES_LOCALES.items():
        if not config.get(nom):
            config[nom] = cle_locale(config["DOSSIER_CLES"], fichier, fabriquer)


CONFIGS = {
    "default": DefaultConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
