"""Key rotation (issue 20, point 7): with the new key in ENCRYPTION_KEY and
the old one in ENCRYPTION_KEYS_PRECEDENTES everything reads; after
``flask chiffrement rechiffrer`` the old key is no longer needed."""

from __future__ import annotations

from io import BytesIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.infra.chiffrement_cli import rechiffrer
from app.infra.storage import get_storage
from app.infra.uploads import DOSSIER_ADMINISTRATIF
from app.models.fichiers import read_fichier, store_upload
from app.operations.dossier import dossier_de

NIR, IBAN = "280056900608444", "FR7630006000011234567890189"
PDF = b"%PDF-1.4\n%%EOF\n"


def _brut(dossier_id):
    return db.session.execute(text("SELECT nir, iban FROM dossier_administratif WHERE id = :i"),
                              {"i": dossier_id}).one()


def test_rotation_de_cle(app, factory, monkeypatch):
    user, profil = factory.intervenant("DR-84")
    dossier = dossier_de(profil, creer=True)
    dossier.nir, dossier.iban = NIR, IBAN
    fichier = store_upload(FileStorage(BytesIO(PDF), filename="vitale.pdf"), owner_user_id=user.id,
                           sensitive=True, preset=DOSSIER_ADMINISTRATIF)
    db.session.commit()
    ancienne = app.config["ENCRYPTION_KEY"]
    chemin = get_storage().path_of(fichier.storage_key)
    assert PDF not in chemin.read_bytes()  # ciphertext on disk

    nouvelle = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "ENCRYPTION_KEY", nouvelle)
    monkeypatch.setitem(app.config, "ENCRYPTION_KEYS_PRECEDENTES", ancienne)
    db.session.expire_all()
    assert dossier_de(profil).nir == NIR and read_fichier(fichier) == PDF  # the old key still reads

    assert rechiffrer() == (1, 1)
    db.session.expire_all()
    nir_chiffre, iban_chiffre = _brut(dossier.id)
    assert Fernet(nouvelle).decrypt(nir_chiffre.encode()).decode() == NIR
    assert Fernet(nouvelle).decrypt(iban_chiffre.encode()).decode() == IBAN
    assert Fernet(nouvelle).decrypt(chemin.read_bytes()) == PDF
    with pytest.raises(InvalidToken):
        Fernet(ancienne).decrypt(nir_chiffre.encode())

    monkeypatch.setitem(app.config, "ENCRYPTION_KEYS_PRECEDENTES", "")  # the old key removed
    db.session.expire_all()
    assert dossier_de(profil).iban == IBAN and read_fichier(fichier) == PDF


def test_commande(app):
    resultat = app.test_cli_runner().invoke(args=["chiffrement", "rechiffrer"])
    assert resultat.exit_code == 0 and "Rechiffré(s)" in resultat.output
