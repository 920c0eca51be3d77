"""Backups that restore (issue 38, point 6): a PostgreSQL database built by
``flask preparer`` (migrations, referentials, demo data) with stored files is
saved by ``flask sauvegarde creer``, restored by ``flask sauvegarde
restaurer`` into a new database and storage, then served: same row counts,
files readable, a demo account signs in. In the CI's PostgreSQL pass; the
embedded run's SQLite file is saved and restored the same way in every pass."""

from __future__ import annotations

import hashlib
import json
import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.infra.sauvegarde import comptes_des_tables
from tests.conftest import postgresql_only
from tests.outils import parallele


@pytest.fixture
def bases():
    """Two new databases beside the tests' one: the saved and the restored."""
    url = os.environ["TEST_DATABASE_URL"]
    nom = make_url(url).database
    urls = []
    for suffixe in ("sauv_src", "sauv_dst"):
        cible = make_url(url).set(database=f"{nom}_{suffixe}").render_as_string(hide_password=False)
        parallele._creer(url, make_url(cible).database, None)
        urls.append(cible)
    yield urls
    for cible in urls:
        parallele.supprimer_base(cible)


def _app(url, dossier):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_FOLDER=str(dossier / "uploads"),
                      MAIL_FILE_DIR=str(dossier / "mail"), REDIS_URL=None)


def _invoquer(app, *args):
    with app.app_context():
        sortie = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()  # no connection left for the garbage collector
    assert sortie.exit_code == 0, sortie.output + repr(sortie.exception)
    return sortie.output


@postgresql_only
def test_sauvegarder_restaurer_servir(bases, tmp_path):
    from app.donnees.demo import DEMO_PASSWORD
    from app.models.fichiers import Fichier, enregistrer_contenu, read_fichier

    source_url, cible_url = bases
    source = _app(source_url, tmp_path / "source")
    _invoquer(source, "preparer")
    contenus = {}
    with source.app_context():  # files beside the demo's: one encrypted, one plain
        for data, sensible in ((b"%PDF-1.4 piece " * 300, True), (b"document public", False)):
            fichier = Fichier(uuid=uuid.uuid4(), storage_key=enregistrer_contenu(data, sensitive=sensible),
                              original_name="f.pdf", content_type="application/pdf", size=len(data),
                              sensitive=sensible, sha256=hashlib.sha256(data).hexdigest())
            db.session.add(fichier)
            db.session.commit()
        contenus = {f.uuid: hashlib.sha256(read_fichier(f)).hexdigest() for f in db.session.scalars(sa.select(Fichier))}
        comptes_source = comptes_des_tables()
        db.session.remove()
        db.engine.dispose()
    assert len(contenus) >= 2 and comptes_source["intervenant"] > 0

    sauvegarde = tmp_path / "sauvegarde"
    sortie = _invoquer(source, "sauvegarde", "creer", str(sauvegarde))
    assert "sans les clés" in sortie
    manifeste = json.loads((sauvegarde / "manifeste.json").read_text())
    assert manifeste["tables"] == comptes_source and manifeste["fichiers"] >= 2
    assert not any(source.config["ENCRYPTION_KEY"] in p.read_text(errors="ignore")
                   for p in sauvegarde.rglob("*") if p.is_file() and p.suffix in (".json", ""))

    cible = _app(cible_url, tmp_path / "cible")
    sortie = _invoquer(cible, "sauvegarde", "restaurer", str(sauvegarde))
    assert "Lignes conformes au manifeste" in sortie
    with cible.app_context():
        assert comptes_des_tables() == comptes_source
        lus = {f.uuid: hashlib.sha256(read_fichier(f)).hexdigest() for f in db.session.scalars(sa.select(Fichier))}
        assert lus == contenus
        from flask_appbuilder.security.sqla.models import User

        from app.models.comptes import Intervenant

        email = db.session.scalar(sa.select(User.email).join(Intervenant, Intervenant.user_id == User.id)
                                  .order_by(User.id).limit(1))
        db.session.remove()

    # served: ready (schema at head, storage writable), a demo account signs in and reads its page
    client = cible.test_client()
    pret = client.get("/sante/pret")
    assert pret.status_code == 200, pret.get_json()
    from tests.conftest import csrf_token_from

    page = client.get("/login/")
    reponse = client.post("/login/", data={"username": email, "password": DEMO_PASSWORD,
                                           "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert reponse.status_code == 302
    assert client.get("/mon-profil/").status_code == 200
    with cible.app_context():
        db.session.remove()
        db.engine.dispose()


@postgresql_only
def test_restaurer_refuse_une_base_non_vide_et_une_autre_cle(bases, tmp_path):
    from cryptography.fernet import Fernet

    from app.models.fichiers import enregistrer_contenu

    source_url, cible_url = bases
    source = _app(source_url, tmp_path / "source")
    with source.app_context():
        db.create_all()
        enregistrer_contenu(b"secret", sensitive=True)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    _invoquer(source, "sauvegarde", "creer", str(tmp_path / "s"))
    with source.app_context():
        sortie = source.test_cli_runner().invoke(args=["sauvegarde", "restaurer", str(tmp_path / "s")])
        db.session.remove()
        db.engine.dispose()
    assert sortie.exit_code != 0 and "n'est pas vide" in sortie.output

    autre = create_app("testing", SQLALCHEMY_DATABASE_URI=cible_url, UPLOAD_FOLDER=str(tmp_path / "c"),
                       MAIL_FILE_DIR=str(tmp_path / "m"), REDIS_URL=None, ENCRYPTION_KEY=Fernet.generate_key().decode())
    with autre.app_context():
        sortie = autre.test_cli_runner().invoke(args=["sauvegarde", "restaurer", str(tmp_path / "s")])
        db.session.remove()
        db.engine.dispose()
    assert sortie.exit_code != 0 and "ENCRYPTION_KEY" in sortie.output


def test_sauvegarde_sqlite_du_lancement_embarque(tmp_path):
    """``make run``'s SQLite file is saved and restored the same way."""
    source = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}",
                        UPLOAD_FOLDER=str(tmp_path / "ua"), MAIL_FILE_DIR=str(tmp_path / "m"), REDIS_URL=None)
    with source.app_context():
        db.create_all()
        from app.security.sync import sync_roles

        sync_roles()
        db.session.commit()
        comptes = comptes_des_tables()
        db.session.remove()
    _invoquer(source, "sauvegarde", "creer", str(tmp_path / "s"))
    cible = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'b.db'}",
                       UPLOAD_FOLDER=str(tmp_path / "ub"), MAIL_FILE_DIR=str(tmp_path / "m"), REDIS_URL=None)
    _invoquer(cible, "sauvegarde", "restaurer", str(tmp_path / "s"))
    with cible.app_context():
        assert comptes_des_tables() == comptes and comptes["ab_role"] > 0
        db.session.remove()
