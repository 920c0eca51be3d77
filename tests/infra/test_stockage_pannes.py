"""Issue #34, point 4: a full or read-only storage gives a clear French error
next to the file field, keeps what was typed, writes no half row and leaves
no orphan file (support reply, profile files, dossier pieces); the data
export job is marked failed instead of staying « en préparation ».

The fault is simulated at the storage layer: the atomic write raises the
``OSError`` the kernel gives (ENOSPC, EROFS)."""

from __future__ import annotations

import errno
import os
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.infra import storage
from app.models.depart import EtatExport, ExportDonnees
from app.models.dossier import PieceDossier
from app.models.fichiers import Fichier, enregistrer_contenu
from app.models.support import EtatDemandeSupport, MessageSupport
from tests.conftest import page_text, sign_in
from tests.outils.dossier import _demander, _envoyer, _identite
from tests.outils.dossier import scene as scene  # noqa: F401,PLC0414 - fixture
from tests.outils.support import PDF, _poster, _transmise

PLEIN = "l'espace de stockage du site est plein"
INDISPONIBLE = "l'espace de stockage du site est momentanément indisponible"
CONSERVE = "Le reste de votre saisie est conservé"


def fichiers_stockes(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}


@pytest.fixture
def stockage_en_panne(monkeypatch):
    """``panne(errno)``: every write from now on fails like the kernel's;
    ``panne(errno, apres=n)``: after n successful writes."""
    vrai = storage._ecrire_atomique

    def panne(code: int, apres: int = 0):
        compte = {"n": 0}

        def ecrire(path, data):
            compte["n"] += 1
            if compte["n"] > apres:
                raise OSError(code, os.strerror(code), str(path))
            vrai(path, data)

        monkeypatch.setattr(storage, "_ecrire_atomique", ecrire)

    return panne


@pytest.mark.parametrize("code, message", [(errno.ENOSPC, PLEIN), (errno.EROFS, INDISPONIBLE)])
def test_a_support_answer_with_a_pdf_on_a_broken_storage(app, login_as, stockage_en_panne, code, message):
    d = _transmise(email="marcel@example.test")
    etat = d.etat
    gestionnaire = login_as("gestionnaire", "DR-84")
    from tests.conftest import csrf_token_from

    token = csrf_token_from(gestionnaire.get(f"/gestion/support/{d.id}").get_data(as_text=True))
    messages = select(func.count(MessageSupport.id)).where(MessageSupport.demande_id == d.id)
    avant_fichiers, avant_lignes = fichiers_stockes(app), db.session.scalar(select(func.count(Fichier.id)))
    avant_messages = db.session.scalar(messages)
    stockage_en_panne(code)
    reponse = _poster(gestionnaire, f"/gestion/support/{d.id}", {
        "csrf_token": token, "reponse": "demander_complement", "texte": "Mon texte tapé avec soin, à garder.",
        "piece_jointe": (BytesIO(PDF), "capture.pdf")})
    assert reponse.status_code == 422
    texte = page_text(reponse)
    assert message in texte and CONSERVE in texte
    assert "Mon texte tapé avec soin, à garder." in texte  # in the form again
    # the message sits with the file field (its error block), not in a flash
    champ = texte[texte.index('name="piece_jointe"') - 1500:texte.index('name="piece_jointe"') + 1500]
    assert message in champ
    db.session.expire_all()
    assert db.session.get(type(d), d.id).etat == etat == EtatDemandeSupport.nouvelle
    assert db.session.scalar(messages) == avant_messages  # no half row
    assert db.session.scalar(select(func.count(Fichier.id))) == avant_lignes
    assert fichiers_stockes(app) == avant_fichiers


@pytest.mark.parametrize("code, message", [(errno.ENOSPC, PLEIN), (errno.EROFS, INDISPONIBLE)])
def test_a_profile_file_on_a_broken_storage(app, factory, client, stockage_en_panne, code, message):
    from tests.outils.profil import _envoyer_cv

    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    avant = fichiers_stockes(app)
    stockage_en_panne(code)
    reponse = _envoyer_cv(client, b"Mon CV en texte")
    assert reponse.status_code == 200
    texte = page_text(reponse)
    assert message in texte
    db.session.expire_all()
    assert db.session.get(type(profil), profil.id).cv_fichier is None
    assert db.session.scalar(select(func.count(Fichier.id)).where(Fichier.owner_user_id == user.id)) == 0
    assert fichiers_stockes(app) == avant


@pytest.mark.parametrize("code, message", [(errno.ENOSPC, PLEIN), (errno.EROFS, INDISPONIBLE)])
def test_dossier_pieces_on_a_storage_that_fails_midway(app, scene, stockage_en_panne, code, message):  # noqa: F811
    user, profil, trainer, staff, _ = scene
    assert _demander(staff, profil, ["identite", "bancaire"]).status_code == 302
    avant = fichiers_stockes(app)
    stockage_en_panne(code, apres=1)  # the recto is written, the verso is refused
    reponse = _envoyer(trainer, _identite(lieu_naissance="Perpignan-la-Belle", identite_recto=(BytesIO(PDF), "recto.pdf"),
                                          identite_verso=(BytesIO(PDF), "verso.pdf")))
    assert reponse.status_code == 422
    texte = page_text(reponse)
    assert message in texte and "Perpignan-la-Belle" in texte
    db.session.expire_all()
    # The dossier keeps the files that were stored (« the files sent stay
    # attached »): the recto, whole (row and content); the verso, nothing.
    [piece] = db.session.scalars(select(PieceDossier)).all()
    assert piece.piece.value == "identite_recto"
    [fichier] = db.session.scalars(select(Fichier).where(Fichier.owner_user_id == user.id)).all()
    assert piece.fichier_id == fichier.id
    assert fichiers_stockes(app) - avant == {storage.get_storage().path_of(fichier.storage_key)}


def test_a_content_written_for_a_rolled_back_row_is_deleted(app):
    avant = fichiers_stockes(app)
    enregistrer_contenu(b"contenu", sensitive=True)
    assert len(fichiers_stockes(app) - avant) == 1
    db.session.rollback()
    assert fichiers_stockes(app) == avant
    cle = enregistrer_contenu(b"contenu", sensitive=False)
    db.session.commit()
    assert storage.get_storage().path_of(cle) in fichiers_stockes(app)  # committed: kept


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_the_data_export_on_a_broken_storage_is_marked_failed(app, factory, stockage_en_panne, code):
    from tests.outils.depart import client_de
    from tests.outils.export_donnees import URL, recuperer
    from tests.outils.mails import redis_mode, run_jobs

    user, _ = factory.intervenant("DR-84")
    client = client_de(app, user)
    avant = fichiers_stockes(app)
    stockage_en_panne(code)
    assert recuperer(client).status_code == 302  # inline: the job ran, no 500
    if redis_mode(app):
        run_jobs(app)
    db.session.expire_all()
    export = db.session.scalar(select(ExportDonnees).where(ExportDonnees.user_id == user.id))
    assert export.etat == EtatExport.echec and export.storage_key is None
    assert "La préparation de votre fichier a échoué" in page_text(client.get(URL))
    assert fichiers_stockes(app) == avant
