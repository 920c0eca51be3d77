"""Shared fixtures.

The schema is created once per test session (SQLite in memory by default,
PostgreSQL when TEST_DATABASE_URL is set), roles are synced and referentials
loaded once. Each test then runs inside an outer transaction that is rolled
back at the end, so application code may commit freely (commits become
savepoints).

In parallel (``pytest -n 2``, pytest-xdist) each worker has its own database
and its own Redis database (tests/outils/parallele.py). What many tests of a module
read and none may keep (the permission matrix's scene, the demo data) is built
once in a transaction kept for the module (``transaction_du_module``): each
test of the module then runs in a savepoint of it, rolled back after the test.
"""

from __future__ import annotations

import html
import os
import re
from contextlib import contextmanager
from datetime import date

import pytest
from flask import g
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.infra import caches
from app.models.comptes import Gestionnaire, Intervenant
from app.models.referentiels import Structure
from app.security.roles import ADMIN_NATIONAL, GESTIONNAIRE, INTERVENANT
from app.security.sessions import cles_de_session
from tests.outils import parallele

PASSWORD = "Mot-de-passe-1!"
#: The TOTP secret of the staff that ``login`` enrols (tests compute codes from it).
SECRET_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

#: Tests of PostgreSQL-only objects (GIN indexes, triggers, connection
#: settings): run by the CI's second pass, against TEST_DATABASE_URL.
postgresql_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="TEST_DATABASE_URL (PostgreSQL) non défini",
)


def _reset_request_globals() -> None:
    for name in list(vars(g)):
        delattr(g, name)


def pytest_configure(config):
    """Each xdist worker its own PostgreSQL database (a copy of the template
    the controller fills once) and its own Redis database (tests/outils/parallele.py)."""
    parallele.configurer(config)


def pytest_unconfigure(config):
    parallele.liberer(config)


def preparer_schema() -> None:
    """Schema, roles and referentials: what every test finds in the database."""
    from app.referentiels.loader import load_all
    from app.security.sync import sync_roles

    db.drop_all()
    db.create_all()
    sync_roles()
    load_all()
    db.session.commit()
    db.session.remove()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("instance")
    app = create_app(
        "testing",
        UPLOAD_FOLDER=str(base / "uploads"),
        MAIL_FILE_DIR=str(base / "mail"),
    )
    # Tests keep an app context open (see _db_transaction) and Flask reuses it
    # for test requests, so ``g`` would leak from one request to the next
    # (logged-in user, permission cache). Start every request with a clean ``g``.
    app.before_request_funcs.setdefault(None, []).insert(0, _reset_request_globals)
    with app.app_context():
        if not parallele.copie_du_modele():  # a worker's copy of the template already holds it
            preparer_schema()
    yield app
    with app.app_context():
        db.session.remove()
        if not parallele.copie_du_modele():
            db.drop_all()
        db.engine.dispose()


#: The connection of the module's kept transaction, while one is open
#: (``transaction_du_module``): every test then runs in a savepoint of it.
_transaction_du_module = []


@contextmanager
def session_sur(app, connection):
    """``db.session`` on ``connection`` (its commits become savepoints); its
    objects keep their loaded attributes once detached (ids for later tests)."""
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield
        finally:
            db.session.remove()
            db.session.configure(expire_on_commit=True)
            engines[None] = engine


@pytest.fixture(scope="module")
def transaction_du_module(app):
    """A transaction kept for the whole module, rolled back at its end: rows a
    module fixture builds in it (``session_sur``) are seen by each test of the
    module, which runs in a savepoint rolled back after it. Once it is open,
    every test of the module runs in it (one connection: SQLite in memory has
    only one, and on PostgreSQL a second one would wait on its rows' locks)."""
    with app.app_context():
        connection = db.engines[None].connect()
    outer = connection.begin()
    _transaction_du_module.append(connection)
    try:
        yield connection
    finally:
        _transaction_du_module.remove(connection)
        caches.vider_tout()
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _db_transaction(app):
    """Run each test in a transaction rolled back afterwards (a savepoint of
    the module's kept transaction when there is one)."""
    # Per-process caches must not carry rows of a rolled-back test into the next.
    caches.vider_tout()
    partagee = _transaction_du_module[-1] if _transaction_du_module else None
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = partagee or engine.connect()
        outer = connection.begin_nested() if partagee else connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            if outer.is_active:
                outer.rollback()
            if not partagee:
                connection.close()
            engines[None] = engine


@pytest.fixture(scope="session")
def _base_demo(app):
    """A database of its own with the referentials and the demo data, loaded
    once for the session (once per worker) instead of by each demo test."""
    import sqlalchemy as sa

    from app.donnees.demo import load_demo

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        url, schema_copie = parallele.creer_base_demo(url)
        moteur = sa.create_engine(url)
    else:  # in memory, as the tests' own (one connection, shared with the served browser tests' thread)
        schema_copie = False
        url = "sqlite://"
        moteur = sa.create_engine(url, poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False})
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        engines[None] = moteur
        try:
            db.session.remove()
            if not schema_copie:
                preparer_schema()
            load_demo()
            db.session.commit()
            db.session.remove()
        finally:
            engines[None] = engine
            caches.vider_tout()
    yield moteur
    moteur.dispose()
    if url.startswith("postgresql"):
        parallele.supprimer_base(url)


@pytest.fixture
def demo(app, _db_transaction, _base_demo):
    """The test runs on the demo database (``_base_demo``): its own
    transaction there, rolled back after it, as every test's."""
    connection = _base_demo.connect()
    outer = connection.begin()
    engines = db.engines
    avant = engines[None]
    engines[None] = connection
    db.session.remove()
    caches.vider_tout()
    try:
        yield
    finally:
        db.session.remove()
        caches.vider_tout()
        if outer.is_active:
            outer.rollback()
        connection.close()
        engines[None] = avant


@contextmanager
def annule_apres():
    """Roll back what the block does, within a test: one probe among many of a
    loop leaves nothing to the next (the test's objects stay in its session,
    expired)."""
    db.session.commit()  # the session's savepoint must not enclose this one
    connection = db.engines[None]
    point = connection.begin_nested()
    try:
        yield
    finally:
        db.session.rollback()
        if point.is_active:
            point.rollback()
        db.session.expire_all()
        caches.vider_tout()


@pytest.fixture
def client(app):
    return app.test_client()


def page_text(response) -> str:
    """The response body with HTML entities decoded (labels contain apostrophes)."""
    return html.unescape(response.get_data(as_text=True))


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no csrf_token in page"
    return match.group(1)


class Factory:
    """Creates users and domain rows; ``create_user`` returns the FAB user."""

    def __init__(self, app):
        self.app = app
        self.counter = 0

    def structure(self, code: str) -> Structure:
        return db.session.scalar(select(Structure).where(Structure.code == code))

    def create_user(self, role_name: str, *, email: str | None = None, first="Prénom", last="Nom"):
        self.counter += 1
        email = email or f"user{self.counter}-{role_name.split()[0].lower()}@example.test"
        sm = self.app.appbuilder.sm
        user = sm.add_user(email, first, last, email, sm.find_role(role_name), password=PASSWORD)
        assert user, f"could not create {email}"
        return user

    def gestionnaire(self, structure_code: str = "DR-84", **kw):
        user = self.create_user(GESTIONNAIRE, **kw)
        db.session.add(Gestionnaire(user_id=user.id, structure_id=self.structure(structure_code).id))
        db.session.commit()
        return user

    def intervenant(self, structure_code: str | None = "DR-84", *, complet: bool = False, **kw):
        """``complet``: every field the inscription workflow requires before
        « transmettre » is filled (``champs_manquants`` is empty)."""
        user = self.create_user(INTERVENANT, **kw)
        profil = Intervenant(
            user_id=user.id,
            civilite="Mme",
            nom_naissance=user.last_name,
            nom_usage=user.last_name,
            prenom=user.first_name,
            date_naissance=date(1980, 5, 17),
            structure_id=self.structure(structure_code).id if structure_code else None,
        )
        db.session.add(profil)
        if complet:
            self.completer(profil)
        db.session.commit()
        return user, profil

    def completer(self, profil) -> None:
        """Fill the required fields of both profile pages (referential rows of the test database)."""
        from app.models.parcours import FormationInitiale, SpecialiteSouhaitee, indexer_parcours
        from app.models.referentiels import NiveauDiplome, Pays, Region, SousSpecialite, StatutProfessionnel

        premier = lambda modele, *conditions: db.session.scalar(  # noqa: E731
            select(modele).where(*conditions).order_by(modele.id).limit(1)
        )
        pays = premier(Pays)
        profil.lieu_naissance, profil.nationalite_id, profil.pays_residence_id = "Lyon", pays.id, pays.id
        profil.adresse_voie, profil.code_postal, profil.localite = "1 rue de la Paix", "69001", "Lyon"
        profil.telephone_personnel = "0401020304"
        profil.statut_professionnel_id = premier(StatutProfessionnel, StatutProfessionnel.type_employeur.is_(None)).id
        profil.regions = [premier(Region)]
        profil.deja_forme = True
        profil.specialites_souhaitees.append(SpecialiteSouhaitee(sous_specialite=premier(SousSpecialite), expertise="Finances"))
        profil.formations_initiales.append(FormationInitiale(niveau_diplome_id=premier(NiveauDiplome).id, titre="Master 2"))
        db.session.flush()
        indexer_parcours(profil)

    def admin_national(self, **kw):
        return self.create_user(ADMIN_NATIONAL, **kw)


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture(scope="module")
def scene_du_module(app, transaction_du_module):
    """The permission matrix's scene (users of each role, their rows: see
    tests/securite/test_permission_matrix.py), built once for the module."""
    from tests.outils.matrice import Scene

    fabrique = Factory(app)
    fabrique.counter = 100_000  # its e-mails never meet those a test's factory makes
    with session_sur(app, transaction_du_module):
        return Scene(fabrique)


@pytest.fixture
def scene(scene_du_module):
    """The module's scene, its rows in this test's session (rolled back after it)."""
    return scene_du_module.rattachee()


def code_totp(secret: str = SECRET_TOTP, decalage: int = 0) -> str:
    """The code of ``secret`` now (``decalage``: seconds later or earlier)."""
    from app.security import deux_facteurs

    return deux_facteurs.code_a(secret, deux_facteurs.maintenant() + decalage)


def enroler(user, secret: str = SECRET_TOTP) -> list[str]:
    """Give ``user`` a confirmed second factor (no code accepted yet); its recovery codes."""
    from app.security import deux_facteurs

    codes = deux_facteurs.activer_avec_secret(user, secret)
    db.session.commit()
    return codes


def login(client, email: str, password: str = PASSWORD):
    """The real sign-in. Staff whose role requires a second factor are
    enrolled first with ``SECRET_TOTP`` (and may reuse a code: their last
    accepted step is forgotten), then pass the code step."""
    from app.security import deux_facteurs

    secret = SECRET_TOTP
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and deux_facteurs.obligatoire(user):
        ligne = deux_facteurs.facteur(user.id)
        if ligne is None or ligne.secret is None:
            enroler(user)
        else:  # the demo's, or a test's own secret
            secret, ligne.dernier_pas = ligne.secret, None
            db.session.commit()
    page = client.get("/login/")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/login/", data={"username": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if response.headers["Location"].endswith("/login/code"):
        page = client.get("/login/code")
        response = client.post(
            "/login/code", data={"code": code_totp(secret), "csrf_token": csrf_token_from(page.get_data(as_text=True))}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def deconnecter(client):
    """Sign out as the menu does: a POST with the CSRF token (issue 33)."""
    page = client.get("/logout/")
    return client.post("/logout/", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})


def corps_envoye(message) -> str:
    """The text body of an outbox e-mail as its recipient got it: the stored
    copy holds marks instead of its secrets (issue 19), kept encrypted until
    sent (then read from the .eml written by the embedded delivery)."""
    from email import policy
    from email.parser import BytesParser
    from pathlib import Path

    from flask import current_app

    from app.infra import mail

    db.session.refresh(message)
    if message.secrets_chiffres is not None or "[masqué-" not in message.body_text:
        return mail.reveler(message)
    for chemin in Path(current_app.config["MAIL_FILE_DIR"]).glob(f"*-{message.id:06d}.eml"):
        envoye = BytesParser(policy=policy.default).parsebytes(chemin.read_bytes())
        if envoye["Message-ID"] == message.message_id:
            return envoye.get_body(preferencelist=("plain",)).get_content()
    raise AssertionError(f"e-mail n°{message.id} introuvable")


def sign_in(client, user) -> None:
    """Open a session for ``user`` without the login form (fast path for tests
    that are not about authentication): considered past the second factor
    (tests/comptes/test_deux_facteurs.py goes through the real two steps)."""
    from app.security.deux_facteurs import CLE_VERIFIE

    cles = cles_de_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session.update(cles)
        session[CLE_VERIFIE] = True


@pytest.fixture
def login_as(app, factory):
    """``login_as(role, structure="DR-84")`` → a logged-in test client.

    role: "anonyme", "intervenant", "gestionnaire", "admin_national".
    """

    def _login_as(role: str, structure: str = "DR-84"):
        client = app.test_client()
        if role == "anonyme":
            return client
        if role == "intervenant":
            user, _ = factory.intervenant(structure)
        elif role == "gestionnaire":
            user = factory.gestionnaire(structure)
        elif role == "admin_national":
            user = factory.admin_national()
        else:
            raise ValueError(role)
        sign_in(client, user)
        client.user = user
        return client

    return _login_as


def pytest_addoption(parser):
    """``--navigateur``: also run the browser tests (tests/navigateur/), which
    need Debian's chromium and the ``navigateur`` extra (`make test-navigateur`)."""
    parser.addoption("--navigateur", action="store_true", default=False,
                     help="lancer aussi les tests dans un vrai navigateur (tests/navigateur/)")
