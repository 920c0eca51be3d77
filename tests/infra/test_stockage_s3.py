"""Files on S3-compatible object storage (issue 38, point 5), end to end
against moto's S3 server started on the loopback: encrypted before they
leave the application, streamed downloads, ``flask stockage migrer``
(hash-checked, resumable), readiness. Run by the CI's PostgreSQL pass."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from app.extensions import db
from app.infra import storage
from app.infra.stockage_cli import copier
from app.models.fichiers import Fichier, enregistrer_contenu, read_fichier
from tests.conftest import postgresql_only, sign_in
from tests.outils.ports import attendre_port, port_libre

pytestmark = postgresql_only

PDF = b"%PDF-1.4\n" + b"contenu du fichier " * 5000


@pytest.fixture(scope="module")
def serveur_s3():
    from moto.server import ThreadedMotoServer

    for _ in range(5):
        port = port_libre()
        serveur = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        try:
            serveur.start()
            attendre_port(port, 10)
            break
        except OSError:  # taken meanwhile by another process
            continue
    else:
        raise RuntimeError("serveur S3 non démarré")
    yield f"http://127.0.0.1:{port}"
    serveur.stop()


@pytest.fixture
def s3(app, serveur_s3, monkeypatch):
    """The app on STORAGE_BACKEND=s3, a bucket of its own; the S3 storage."""
    seau = f"essai-{uuid.uuid4().hex[:12]}"
    reglages = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": serveur_s3, "S3_BUCKET": seau,
                "S3_REGION": "eu-west-3", "S3_ACCESS_KEY_ID": "essai", "S3_SECRET_ACCESS_KEY": "essai-secret",
                "S3_PREFIXE": "fichiers/"}
    for nom, valeur in reglages.items():
        monkeypatch.setitem(app.config, nom, valeur)
    stockage = storage.get_storage(app)
    assert isinstance(stockage, storage.S3FileStorage)
    stockage.client.create_bucket(Bucket=seau, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    return stockage


def _fichier(data: bytes, *, sensitive: bool, owner_user_id=None) -> Fichier:
    fichier = Fichier(uuid=uuid.uuid4(), storage_key=enregistrer_contenu(data, sensitive=sensitive),
                      original_name="piece.pdf", content_type="application/pdf", size=len(data),
                      sensitive=sensitive, sha256=hashlib.sha256(data).hexdigest(), owner_user_id=owner_user_id)
    db.session.add(fichier)
    db.session.commit()
    return fichier


def test_chiffre_avant_de_sortir_et_relu(s3):
    fichier = _fichier(PDF, sensitive=True)
    objet = s3.client.get_object(Bucket=s3.bucket, Key="fichiers/" + fichier.storage_key)["Body"].read()
    assert b"contenu du fichier" not in objet and objet.startswith(b"gAAAAA")  # a Fernet token
    assert read_fichier(fichier) == PDF
    clair = _fichier(b"public", sensitive=False)
    assert s3.lire_brut(clair.storage_key) == b"public"
    assert set(s3.cles()) == {fichier.storage_key, clair.storage_key}


def test_effacement_apres_commit(s3):
    fichier = _fichier(b"a effacer", sensitive=True)
    cle = fichier.storage_key
    db.session.delete(fichier)
    db.session.commit()
    with pytest.raises(FileNotFoundError):
        s3.lire_brut(cle)


def test_telechargement_par_la_vue(app, s3, factory):
    user, _ = factory.intervenant()
    fichier = _fichier(PDF, sensitive=True, owner_user_id=user.id)
    client = app.test_client()
    sign_in(client, user)
    reponse = client.get(f"/fichiers/{fichier.uuid}")
    assert reponse.status_code == 200
    assert reponse.data == PDF


def test_telechargement_en_flux(app, s3):
    from app.views.telechargement import reponse_en_flux

    for sensible in (False, True):
        fichier = _fichier(PDF, sensitive=sensible)
        with app.test_request_context("/"):
            reponse = reponse_en_flux(fichier)
            assert reponse.is_streamed
            assert reponse.content_length == len(PDF)
            assert "attachment" in reponse.headers["Content-Disposition"]
            assert b"".join(reponse.response) == PDF
            reponse.close()
    absent = Fichier(storage_key="ab/" + "1" * 32, size=1, content_type="text/plain", original_name="x")
    with app.test_request_context("/"), pytest.raises(FileNotFoundError):
        reponse_en_flux(absent)


def test_flux_local_bloc_par_bloc(app, tmp_path):
    local = storage.LocalFileStorage(tmp_path, app.config["ENCRYPTION_KEY"])
    cle = local.save(PDF, sensitive=False)
    blocs = list(local.flux(cle, taille_bloc=1000))
    assert len(blocs) > 1 and b"".join(blocs) == PDF


def test_pret_verifie_le_seau(app, client, s3, monkeypatch):
    from app.infra import sante

    ok, verifications = sante.etat_pret(app)
    assert verifications["stockage"]["ok"] is True
    monkeypatch.setitem(app.config, "S3_BUCKET", "seau-inexistant")
    ok, verifications = sante.etat_pret(app)
    assert ok is False and verifications["stockage"]["ok"] is False


def test_stockage_injoignable_refuse_proprement(app, monkeypatch):
    from app.models.fichiers import StockageIndisponible

    reglages = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": f"http://127.0.0.1:{port_libre(range(0))}",
                "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s"}
    for nom, valeur in reglages.items():
        monkeypatch.setitem(app.config, nom, valeur)
    with pytest.raises(StockageIndisponible):
        enregistrer_contenu(b"x", sensitive=True)


def _bilan(sortie) -> tuple[int, int, int]:
    """« Copiés : a ; déjà présents : b ; échecs : c. » of a run."""
    import re

    trouve = re.search(r"Copiés : (\d+) ; déjà présents : (\d+) ; échecs : (\d+)\.", sortie.output)
    assert trouve, sortie.output
    return tuple(int(n) for n in trouve.groups())


def test_migrer_local_vers_s3_verifie_et_reprend(app, s3, monkeypatch):
    """Files written on local storage, then `flask stockage migrer`: each one
    copied and checked; a second run copies nothing; a lost object is copied
    again; a file whose content does not match its row is reported (exit 1).

    The command copies every stored file: the rows other tests of this
    worker left in a shared database (the PostgreSQL pass) are copied by a
    first run, and the counts below are this test's files on top of them."""
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "local")
    runner = app.test_cli_runner()
    copies, presents, echecs = _bilan(runner.invoke(args=["stockage", "migrer"]))
    deja = copies + presents
    fichiers = [_fichier(PDF, sensitive=True), _fichier(b"clair", sensitive=False), _fichier(b"x" * 10, sensitive=True)]
    sortie = runner.invoke(args=["stockage", "migrer"])
    assert sortie.exit_code == (1 if echecs else 0), sortie.output
    assert _bilan(sortie) == (3, deja, echecs)
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    assert [read_fichier(f) for f in fichiers] == [PDF, b"clair", b"x" * 10]

    assert _bilan(runner.invoke(args=["stockage", "migrer"])) == (0, deja + 3, echecs)
    s3.delete(fichiers[0].storage_key)  # a run cut short before this one
    assert _bilan(runner.invoke(args=["stockage", "migrer"])) == (1, deja + 2, echecs)
    assert read_fichier(fichiers[0]) == PDF

    s3.delete(fichiers[2].storage_key)
    fichiers[2].sha256 = "0" * 64  # the row says another content: reported, not hidden
    db.session.commit()
    sortie = runner.invoke(args=["stockage", "migrer"])
    assert sortie.exit_code == 1
    assert f"ÉCHEC {fichiers[2].storage_key}" in sortie.output


def test_copier_sans_destination_configuree(app, monkeypatch):
    monkeypatch.setitem(app.config, "S3_BUCKET", None)
    sortie = app.test_cli_runner().invoke(args=["stockage", "migrer"])
    assert sortie.exit_code != 0 and "S3_BUCKET" in sortie.output


def test_copier_entre_deux_stockages_locaux(app, tmp_path):
    """The copy itself, storage to storage (what the backups use too)."""
    cle_chiffrement = app.config["ENCRYPTION_KEY"]
    source = storage.LocalFileStorage(tmp_path / "a", cle_chiffrement)
    destination = storage.LocalFileStorage(tmp_path / "b", cle_chiffrement)
    cles = [source.save(b"un", sensitive=True), source.save(b"deux", sensitive=False)]
    bilan = copier(source, destination)
    assert (bilan.copies, bilan.deja_presents, bilan.erreurs) == (2, 0, [])
    assert [destination.open(c) for c in cles] == [b"un", b"deux"]
