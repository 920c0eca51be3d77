"""No shipped secrets (issue 19, point 9): the embedded run makes its own
keys at the first start, keeps them under instance/ and reuses them; the
production profile still refuses to start without real ones; tests keep
their fixed keys."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet

import config
from app import create_app

#: The constants config.py shipped before: a cookie signed with the first
#: one opened an admin session on any embedded run.
ANCIENNES_CLES = ("dev-only-secret-key-change-me", "ZGVtby1rZXktZXNwYWNlLWludGVydmVuYW50cy0wMDA=")


@pytest.fixture
def sans_cles(monkeypatch):
    for nom in ("SECRET_KEY", "ENCRYPTION_KEY"):
        monkeypatch.delenv(nom, raising=False)
        monkeypatch.setattr(config.DefaultConfig, nom, None)


def _embarquee(tmp_path, dossier):
    return create_app(
        "default",
        DOSSIER_CLES=str(dossier),
        SQLALCHEMY_DATABASE_URI="sqlite://",
        UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_FILE_DIR=str(tmp_path / "m"),
    )


def test_embedded_run_makes_random_keys_once_and_reuses_them(tmp_path, sans_cles):
    dossier = tmp_path / "instance"
    premiere = _embarquee(tmp_path, dossier)
    secret, chiffrement = premiere.config["SECRET_KEY"], premiere.config["ENCRYPTION_KEY"]
    assert secret not in ANCIENNES_CLES and chiffrement not in ANCIENNES_CLES
    assert len(secret) >= 40
    Fernet(chiffrement)  # a valid Fernet key
    for fichier in ("secret_key", "encryption_key"):
        assert stat.S_IMODE(os.stat(dossier / fichier).st_mode) == 0o600
    seconde = _embarquee(tmp_path, dossier)
    assert (seconde.config["SECRET_KEY"], seconde.config["ENCRYPTION_KEY"]) == (secret, chiffrement)
    ailleurs = _embarquee(tmp_path, tmp_path / "autre")
    assert ailleurs.config["SECRET_KEY"] != secret and ailleurs.config["ENCRYPTION_KEY"] != chiffrement


def test_keys_from_the_environment_win(tmp_path, monkeypatch):
    monkeypatch.setattr(config.DefaultConfig, "SECRET_KEY", "cle-de-l-environnement-" + "x" * 30)
    app = _embarquee(tmp_path, tmp_path / "instance")
    assert app.config["SECRET_KEY"].startswith("cle-de-l-environnement-")
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize("manquante", ["SECRET_KEY", "ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_real_keys(monkeypatch, manquante):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv(manquante)
    with pytest.raises(RuntimeError, match=manquante):
        create_app("production")


def test_tests_keep_a_fixed_key(app):
    assert app.config["SECRET_KEY"] == config.TestingConfig.SECRET_KEY
    assert app.config["ENCRYPTION_KEY"] == config.TestingConfig.ENCRYPTION_KEY
