"""Support requests: a transmitted request, referential ids, a multipart post, a PDF sample."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.extensions import db
from app.models.referentiels import Structure, TypeDemandeSupport
from app.operations import support as operations


def type_id(code: str) -> int:
    return db.session.scalar(select(TypeDemandeSupport.id).where(TypeDemandeSupport.code == code))


def structure_id(code: str) -> int:
    return db.session.scalar(select(Structure.id).where(Structure.code == code))


def _transmise(structure: str | None = "DR-84", code: str = "CONNEXION", email: str = "demandeur@example.test"):
    d, _ = operations.creer(type_id=type_id(code), structure_id=structure_id(structure) if structure else None,
                            nom="Duchamp", prenom="Marcel", email=email, sujet="Sujet", descriptif="Texte")
    operations.confirmer(d)
    db.session.commit()
    return d


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _poster(client, url: str, data: dict):
    """Encoded in memory: werkzeug's test client would spool a large body to
    a temporary file it never closes (ResourceWarning)."""
    champs = {k: FileStorage(v[0], v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    stream, length, boundary = stream_encode_multipart(champs, use_tempfile=False)
    return client.post(url, input_stream=stream, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")
