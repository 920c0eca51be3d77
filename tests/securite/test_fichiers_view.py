"""Download of stored files: who may, what is sent, what is logged."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.infra.storage import get_storage
from app.infra.uploads import DOSSIER_ADMINISTRATIF
from app.models.fichiers import AccesFichier, Fichier, store_upload
from tests.conftest import sign_in

PDF = b"%PDF-1.4\n% Carte vitale\n%%EOF\n"


def stocker(owner_user_id: int | None, name: str = "Carte vitale été.pdf") -> Fichier:
    fichier = store_upload(
        FileStorage(io.BytesIO(PDF), filename=name),
        owner_user_id=owner_user_id,
        sensitive=True,
        preset=DOSSIER_ADMINISTRATIF,
    )
    db.session.commit()
    return fichier


def acces(fichier: Fichier) -> list[AccesFichier]:
    return list(db.session.scalars(select(AccesFichier).where(AccesFichier.fichier_id == fichier.id)))


@pytest.fixture
def owner_client(app, factory):
    user, _ = factory.intervenant("DR-84")
    client = app.test_client()
    sign_in(client, user)
    client.user = user
    return client


def test_owner_downloads_own_file(owner_client):
    fichier = stocker(owner_client.user.id)
    response = owner_client.get(f"/fichiers/{fichier.uuid}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Carte%20vitale%20%C3%A9t%C3%A9.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    (log,) = acces(fichier)
    assert log.user_id == owner_client.user.id
    assert log.ip == "127.0.0.1"
    assert log.date is not None


def test_a_download_is_streamed_from_the_storage(owner_client, monkeypatch):
    """Issue 38 point 5: the content goes out in blocks from the storage
    (``reponse_en_flux``), not from a copy built in the web worker; its
    length is announced and the read is logged before the first byte."""
    fichier = stocker(owner_client.user.id)

    def copie_entiere(_fichier):
        raise AssertionError("le téléchargement ne lit pas le fichier entier en mémoire")

    monkeypatch.setattr("app.operations.fichiers.read_fichier", copie_entiere)
    response = owner_client.get(f"/fichiers/{fichier.uuid}", buffered=False)
    assert response.is_streamed
    assert response.content_length == len(PDF)
    assert len(acces(fichier)) == 1
    assert b"".join(response.iter_encoded()) == PDF
    response.close()


def test_other_intervenant_gets_404_and_nothing_is_logged(owner_client, login_as):
    fichier = stocker(owner_client.user.id)
    other = login_as("intervenant")
    response = other.get(f"/fichiers/{fichier.uuid}")
    assert response.status_code == 404
    assert PDF not in response.data
    assert acces(fichier) == []


def _etat(user, etat: str) -> None:
    """Put the user's profile (request to DR-84) in ``etat``."""
    from app.models.comptes import EtatInscription, Intervenant

    profil = db.session.scalar(select(Intervenant).where(Intervenant.user_id == user.id))
    profil.etat_inscription = EtatInscription(etat)
    db.session.commit()


#: Files by need-to-know (issue 19, point 2): the owner's profile state (its
#: request goes to DR-84) → whether each staff member reads its files.
BESOIN_D_EN_CONNAITRE = [
    ("brouillon", "gestionnaire", "DR-84", 404),
    ("brouillon", "gestionnaire", "DR-11", 404),
    ("brouillon", "admin_national", "DR-84", 404),
    ("transmise", "gestionnaire", "DR-84", 200),
    ("transmise", "gestionnaire", "DR-11", 404),
    ("transmise", "admin_national", "DR-84", 200),
    ("validee", "gestionnaire", "DR-84", 200),
    ("validee", "gestionnaire", "DR-11", 200),
    ("validee", "admin_national", "DR-84", 200),
]


@pytest.mark.parametrize(("etat", "role", "structure", "status"), BESOIN_D_EN_CONNAITRE)
def test_staff_read_files_by_need_to_know_and_are_logged(owner_client, login_as, etat, role, structure, status):
    fichier = stocker(owner_client.user.id)
    _etat(owner_client.user, etat)
    staff = login_as(role, structure)
    response = staff.get(f"/fichiers/{fichier.uuid}")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF
        assert [log.user_id for log in acces(fichier)] == [staff.user.id]
    else:
        assert PDF not in response.data and acces(fichier) == []


def test_anonymous_is_sent_to_login(owner_client, login_as):
    fichier = stocker(owner_client.user.id)
    response = login_as("anonyme").get(f"/fichiers/{fichier.uuid}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert acces(fichier) == []


# One actor per test: requests of a test share the fixture's app context (and
# so ``g``, where flask-login caches the signed-in user).
@pytest.mark.parametrize(("role", "status"), [("intervenant", 404), ("gestionnaire", 200), ("admin_national", 200)])
def test_staff_owned_file_is_for_staff_only(login_as, role, status):
    fichier = stocker(None, "Note interne.pdf")
    assert login_as(role).get(f"/fichiers/{fichier.uuid}").status_code == status


# An unknown uuid, fixed: every xdist worker must collect the same test ids.
@pytest.mark.parametrize("path", ["/fichiers/3f2c9a4e-7b1d-4c8e-9f60-2a5b8d1e4c73", "/fichiers/pas-un-uuid", "/fichiers/1"])
def test_unknown_identifier_is_404(owner_client, path):
    stocker(owner_client.user.id)
    assert owner_client.get(path).status_code == 404


def test_file_missing_from_storage_is_404(owner_client):
    fichier = stocker(owner_client.user.id)
    get_storage().delete(fichier.storage_key)
    assert owner_client.get(f"/fichiers/{fichier.uuid}").status_code == 404
    assert acces(fichier) == []


def test_every_download_is_logged(owner_client):
    fichier = stocker(owner_client.user.id)
    for _ in range(3):
        assert owner_client.get(f"/fichiers/{fichier.uuid}").status_code == 200
    assert len(acces(fichier)) == 3


def test_a_deleted_file_leaves_the_storage_after_the_commit_only():
    """Issue 19, point 2: ``effacer`` (used when a file is replaced or
    removed: CV, Parcours lines, annonce and console attachments) removes the
    row, and the content once the transaction commits; a rollback keeps both."""
    from app.models.fichiers import effacer

    fichier = stocker(None, "Programme.pdf")
    chemin = get_storage().path_of(fichier.storage_key)
    effacer(fichier)
    db.session.flush()
    db.session.rollback()
    assert chemin.exists() and db.session.get(Fichier, fichier.id) is not None
    effacer(fichier)
    db.session.commit()
    assert not chemin.exists() and db.session.get(Fichier, fichier.id) is None
