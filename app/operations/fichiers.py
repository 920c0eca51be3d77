"""A stored file read by someone: its content, and the read logged (who,
when, from which address) in the same transaction."""

from __future__ import annotations

from app.extensions import db
from app.models.fichiers import AccesFichier, Fichier, read_fichier
from app.operations.dossier import consommer_lecture_sensible


def noter_lecture(fichier: Fichier, user_id: int | None, ip: str | None, *, lecture_sensible_de=None) -> None:
    """A read about to be sent: the daily budget of sensitive reads taken
    first (``PlafondAtteint`` past it), then the read logged."""
    if lecture_sensible_de is not None:
        consommer_lecture_sensible(lecture_sensible_de)
    db.session.add(AccesFichier(fichier_id=fichier.id, user_id=user_id, ip=ip))


def lire(fichier: Fichier, user_id: int | None, ip: str | None, *, lecture_sensible_de=None) -> bytes:
    """The file's content (``FileNotFoundError`` when the storage lost it).
    ``lecture_sensible_de``: the staff account whose daily budget of
    sensitive reads this read takes (``PlafondAtteint`` past it)."""
    data = read_fichier(fichier)
    noter_lecture(fichier, user_id, ip, lecture_sensible_de=lecture_sensible_de)
    return data
