"""Dossier administratif: the scene (intervenant, trainer, staff), a request for blocks, the identity block's data, a sent form; NIR, IBAN and PDF samples."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.referentiels import Pays, TypePieceIdentite
from tests.conftest import csrf_token_from, sign_in

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


NIR = "280056900608444"  # Mme, born 05/1980 (the factory's intervenant)


IBAN = "FR7630006000011234567890189"


@pytest.fixture
def scene(app, factory):
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    gestionnaire = factory.gestionnaire("DR-84")
    autre = factory.gestionnaire("DR-11")
    trainer, staff, other = app.test_client(), app.test_client(), app.test_client()
    sign_in(trainer, user)
    sign_in(staff, gestionnaire)
    sign_in(other, autre)
    return user, profil, trainer, staff, other


def _jeton(client, url):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _demander(staff, profil, blocs):
    """The request form of the intervenant's back-office page."""
    page = staff.get(f"/gestion/demandes-inscription/show/{profil.id}").get_data(as_text=True)
    assert f'action="/gestion/dossiers/demander/{profil.id}"' in page and 'value="identite"' in page
    token = csrf_token_from(page)
    return staff.post(f"/gestion/dossiers/demander/{profil.id}", data={"csrf_token": token, "blocs": blocs})


def _identite(**extra):
    cni = db.session.scalar(select(TypePieceIdentite.id).where(TypePieceIdentite.code == "CNI"))
    pays = db.session.scalar(select(Pays.id).order_by(Pays.id).limit(1))
    data = {
        "type_piece_identite_id": str(cni), "nationalite_id": str(pays), "pays_naissance_id": str(pays),
        "validite_debut": "01/01/2020", "validite_fin": (date.today() + timedelta(days=3650)).strftime("%d/%m/%Y"),
        "lieu_naissance": "Perpignan", "telephone_personnel": "0401020304",
    }
    data.update(extra)
    return data


def _envoyer(trainer, data, action="enregistrer"):
    """Encoded in memory: werkzeug's test client would spool a large body to
    a temporary file it never closes (ResourceWarning)."""
    token = _jeton(trainer, "/mon-dossier/")
    champs = {k: FileStorage(v[0], v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    stream, length, boundary = stream_encode_multipart(
        {"csrf_token": token, "action": action, **champs}, use_tempfile=False)
    return trainer.post("/mon-dossier/", input_stream=stream, content_length=length,
                        content_type=f"multipart/form-data; boundary={boundary}")
