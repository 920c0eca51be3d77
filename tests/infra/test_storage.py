"""File storage, encryption at rest, stored uploads, encrypted columns."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.infra.crypto import EncryptedString, mask
from app.infra.storage import LocalFileStorage, StorageKeyError, get_storage
from app.infra.uploads import DOSSIER_ADMINISTRATIF, PROFIL, UploadError
from app.models.fichiers import Fichier, read_fichier, store_upload

PDF = b"%PDF-1.4\n% Relev\xc3\xa9 d'identit\xc3\xa9 bancaire FR7630006000011234567890189\n%%EOF\n"


@pytest.fixture
def storage(tmp_path):
    return LocalFileStorage(tmp_path / "uploads", Fernet.generate_key())


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# --- LocalFileStorage ---------------------------------------------------------------


def test_round_trip_plain(storage):
    key = storage.save(io.BytesIO(PDF), sensitive=False)
    path = storage.path_of(key)
    assert path.read_bytes() == PDF
    assert storage.open(key) == PDF
    storage.delete(key)
    assert not path.exists()
    storage.delete(key)  # already gone: no error


def test_sensitive_file_is_encrypted_on_disk(storage):
    key = storage.save(PDF, sensitive=True)
    on_disk = storage.path_of(key).read_bytes()
    assert on_disk != PDF
    assert b"FR7630006000011234567890189" not in on_disk
    assert b"%PDF" not in on_disk
    assert storage._fernet.decrypt(on_disk) == PDF
    assert storage.open(key) == PDF


def test_sensitive_file_cannot_be_read_with_another_key(storage):
    key = storage.save(PDF, sensitive=True)
    other = LocalFileStorage(storage.root, Fernet.generate_key())
    with pytest.raises(InvalidToken):
        other.open(key)


def test_names_are_random_and_files_private(storage):
    keys = {storage.save(PDF, sensitive=False) for _ in range(2)}
    assert len(keys) == 2
    for key in keys:
        path = storage.path_of(key)
        assert path.is_relative_to(storage.root)
        assert path.stat().st_mode & 0o077 == 0
    assert not [p for p in storage.root.rglob(".*.tmp")]


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "/etc/passwd",
        "ab/../../../etc/passwd",
        "ab/" + "0" * 32 + "/../../x",
        "AB/" + "0" * 32,
        "ab/" + "g" * 32,
        "ab/" + "0" * 32 + ".pdf",
        "",
        None,
    ],
)
def test_keys_not_made_by_the_storage_are_refused(storage, key):
    with pytest.raises(StorageKeyError):
        storage.open(key)
    with pytest.raises(StorageKeyError):
        storage.delete(key)


def test_get_storage_follows_the_configuration(app, monkeypatch):
    storage = get_storage()
    assert isinstance(storage, LocalFileStorage)
    assert storage.root == Path(app.config["UPLOAD_FOLDER"]).resolve()
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "disquette")
    with pytest.raises(RuntimeError, match="Stockage de fichiers inconnu"):
        get_storage(app)


def test_upload_folder_is_outside_the_static_folder(app):
    upload_folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    assert not upload_folder.is_relative_to(Path(app.static_folder).resolve())


# --- store_upload / read_fichier ------------------------------------------------------


def test_store_upload_records_the_file(app, factory):
    user, _ = factory.intervenant()
    fichier = store_upload(
        FileStorage(io.BytesIO(PDF), filename="RIB été.pdf"),
        owner_user_id=user.id,
        sensitive=True,
        preset=DOSSIER_ADMINISTRATIF,
    )
    db.session.commit()
    stored = db.session.get(Fichier, fichier.id)
    assert stored.uuid is not None
    assert stored.original_name == "RIB été.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF)
    assert stored.sensitive is True
    assert stored.owner_user_id == user.id
    assert len(stored.sha256) == 64
    assert read_fichier(stored) == PDF
    on_disk = get_storage().path_of(stored.storage_key).read_bytes()
    assert on_disk != PDF and b"FR76" not in on_disk


def test_non_sensitive_upload_is_stored_as_is(app):
    fichier = store_upload(
        FileStorage(io.BytesIO(PDF), filename="programme.pdf"), owner_user_id=None, sensitive=False, preset=PROFIL
    )
    assert get_storage().path_of(fichier.storage_key).read_bytes() == PDF
    assert fichier.owner_user_id is None


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "C:\\x\\a.pdf", "pass\x00wd.pdf", "/tmp/cv.pdf"])
def test_path_tricks_stay_inside_the_upload_folder(app, name):
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    fichier = store_upload(
        FileStorage(io.BytesIO(PDF), filename=name), owner_user_id=None, sensitive=False, preset=PROFIL
    )
    path = get_storage().path_of(fichier.storage_key)
    assert path.is_relative_to(root)
    assert path.read_bytes() == PDF
    assert (
        "/" not in fichier.original_name and "\\" not in fichier.original_name and "\x00" not in fichier.original_name
    )
    assert fichier.original_name not in fichier.storage_key


def test_same_name_twice_gives_two_files(app):
    first, second = (
        store_upload(
            FileStorage(io.BytesIO(PDF), filename="cv.pdf"), owner_user_id=None, sensitive=False, preset=PROFIL
        )
        for _ in range(2)
    )
    assert first.storage_key != second.storage_key
    assert first.uuid != second.uuid
    assert "cv" not in first.storage_key and "cv" not in second.storage_key


def test_refused_upload_writes_nothing(app):
    root = Path(app.config["UPLOAD_FOLDER"])
    before = set(files_under(root))
    with pytest.raises(UploadError):
        store_upload(
            FileStorage(io.BytesIO(b"MZ\x90\x00"), filename="cv.pdf"), owner_user_id=None, sensitive=True, preset=PROFIL
        )
    assert set(files_under(root)) == before


# --- EncryptedString and mask -------------------------------------------------------------


@pytest.fixture
def secret_table():
    """A throwaway table on its own metadata and in-memory engine."""
    metadata = sa.MetaData()
    table = sa.Table(
        "secret",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nir", EncryptedString()),
    )
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_encrypted_string_round_trip(secret_table):
    engine, table = secret_table
    nir = "180057512345678"
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "nir": nir}, {"id": 2, "nir": nir}, {"id": 3, "nir": None}])
    with engine.connect() as connection:
        raw = dict(connection.execute(sa.text("SELECT id, nir FROM secret")).all())
        values = dict(connection.execute(sa.select(table.c.id, table.c.nir)).all())
    assert values == {1: nir, 2: nir, 3: None}
    assert nir not in raw[1]
    assert raw[1] != raw[2]  # randomised: equal values do not show as equal
    assert raw[3] is None


def test_encrypted_string_needs_the_key(app, monkeypatch, secret_table):
    engine, table = secret_table
    with engine.begin() as connection:
        connection.execute(table.insert(), {"id": 1, "nir": "FR7630006000011234567890189"})
    monkeypatch.setitem(app.config, "ENCRYPTION_KEY", Fernet.generate_key())
    with engine.connect() as connection, pytest.raises(InvalidToken):
        connection.execute(sa.select(table.c.nir)).all()


def test_encrypted_string_refuses_non_strings(secret_table):
    engine, table = secret_table
    with engine.begin() as connection, pytest.raises(sa.exc.StatementError):
        connection.execute(table.insert(), {"id": 1, "nir": 180057512345678})


@pytest.mark.parametrize(
    ("value", "visible", "masked"),
    [
        ("FR7630006000011234567890189", 4, "*** **** **** **** **** **** 0189"),
        ("FR76 3000 6000 0112 3456 7890 189", 4, "*** **** **** **** **** **** 0189"),
        ("180057512345678", 4, "*** **** **** 5678"),
        ("1800575123456 78", 2, "*** **** **** **78"),
        ("1234", 4, "****"),
        ("12", 4, "**"),
        ("", 4, ""),
        (None, 4, ""),
    ],
)
def test_mask(value, visible, masked):
    assert mask(value, visible) == masked
