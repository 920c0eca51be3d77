"""Health probes (issue 38, point 1): /sante/vivant and /sante/pret."""

from __future__ import annotations

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.infra import sante


def _au_head():
    """Stamp the test database at the migrations' head (its schema comes from create_all)."""
    db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
    db.session.execute(sa.text("DELETE FROM alembic_version"))
    for tete in sante.tetes_des_migrations():
        db.session.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": tete})
    db.session.commit()


def test_vivant_sans_base(tmp_path):
    """The liveness probe answers even when the database is unreachable."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://personne@127.0.0.1:1/aucune",
                     UPLOAD_FOLDER=str(tmp_path / "u"), MAIL_FILE_DIR=str(tmp_path / "m"))
    reponse = app.test_client().get("/sante/vivant")
    assert reponse.status_code == 200
    assert reponse.get_json() == {"statut": "ok"}
    assert reponse.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in reponse.headers
    pret = app.test_client().get("/sante/pret")
    assert pret.status_code == 503
    corps = pret.get_json()
    assert corps["statut"] == "indisponible"
    assert corps["verifications"]["base"]["ok"] is False
    assert "127.0.0.1" not in pret.get_data(as_text=True) and "personne" not in pret.get_data(as_text=True)


def test_pret_quand_tout_repond(app, client):
    _au_head()
    reponse = client.get("/sante/pret")
    assert reponse.status_code == 200, reponse.get_json()
    corps = reponse.get_json()
    assert corps["statut"] == "ok"
    attendues = {"base", "migrations", "stockage"} | ({"redis"} if app.config.get("REDIS_URL") else set())
    assert set(corps["verifications"]) == attendues
    assert all(v["ok"] for v in corps["verifications"].values())
    assert "Set-Cookie" not in reponse.headers


def test_pret_refuse_un_schema_en_retard(client):
    _au_head()
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'ancienne'"))
    db.session.commit()
    reponse = client.get("/sante/pret")
    assert reponse.status_code == 503
    assert reponse.get_json()["verifications"]["migrations"]["ok"] is False
    assert reponse.get_json()["verifications"]["base"]["ok"] is True


def test_pret_refuse_un_stockage_non_inscriptible(app, client, tmp_path, monkeypatch):
    _au_head()
    fichier = tmp_path / "pas-un-dossier"
    fichier.write_text("x")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(fichier))
    reponse = client.get("/sante/pret")
    assert reponse.status_code == 503
    assert reponse.get_json()["verifications"]["stockage"]["ok"] is False
    assert "pas-un-dossier" not in reponse.get_data(as_text=True)


def test_pret_refuse_un_redis_injoignable(app, client, monkeypatch):
    _au_head()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    reponse = client.get("/sante/pret")
    assert reponse.status_code == 503
    verifications = reponse.get_json()["verifications"]
    assert verifications["redis"]["ok"] is False and verifications["base"]["ok"] is True
    assert "redis://" not in reponse.get_data(as_text=True)
