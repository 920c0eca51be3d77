"""Uploaded files: metadata in the database, content in ``app.infra.storage``.

The row is the only link between a public identifier (a random UUID in the
download URL), the storage key and the owner; the original file name is kept
for display and as the download name only. Every download is logged.
"""

from __future__ import annotations

import errno
import logging
import uuid

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_login import current_user
from sqlalchemy.orm import relationship

from app.extensions import db
from app.infra.storage import get_storage
from app.infra.uploads import UploadError, UploadPreset, validate_upload
from app.models.base import utcnow
from app.security.roles import ADMIN, ADMIN_NATIONAL, GESTIONNAIRE

log = logging.getLogger(__name__)

#: Roles that may read any intervenant's files (back-office staff).
STAFF_ROLES = frozenset({GESTIONNAIRE, ADMIN_NATIONAL, ADMIN})


class Fichier(Model):
    """One stored file. ``owner_user_id`` is the intervenant's login user, or
    None for documents owned by staff. Deleting a user who still owns files is
    refused by the foreign key: files go through an explicit deletion first."""

    __tablename__ = "fichier"
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.Uuid, nullable=False, unique=True, default=uuid.uuid4)
    storage_key = sa.Column(sa.String(255), nullable=False, unique=True)
    original_name = sa.Column(sa.String(255), nullable=False)
    content_type = sa.Column(sa.String(100), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    sensitive = sa.Column(sa.Boolean, nullable=False, default=False)
    sha256 = sa.Column(sa.String(64), nullable=False)
    owner_user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id"), index=True)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    owner = relationship(User, foreign_keys=[owner_user_id])
    uploaded_by = relationship(User, foreign_keys=[uploaded_by_id])

    def lisible_par(self, user) -> bool:
        """The owner reads the file; staff (``user`` is the signed-in user,
        whose scope ``app.security.scope`` reads) read an intervenant's file
        only when they may see the profile (``scope.profil_visible``: in the
        CV-thèque, or its request transmitted to their structure), and the
        staff's own documents (no owner); a piece of a dossier administratif
        only by staff of a structure that works with the trainer
        (``app.operations.dossier.lisible_par``: a request alone opens nothing), a
        lettre de demande by staff of its intervention's structure
        (``app.operations.interventions``); an attachment of a support request only by
        its handlers and its requester (``app.operations.support``). Nobody else."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.owner_user_id is not None and self.owner_user_id == user.id:
            return True
        from app.operations.support import demande_de_la_piece, piece_lisible_par

        demande = demande_de_la_piece(self.id)
        if demande is not None:  # an attachment of a support thread: its handlers and its requester
            return piece_lisible_par(demande, user)
        if not any(role.name in STAFF_ROLES for role in user.roles):
            return False
        if self.owner_user_id is None:
            return True
        from app.models.dossier import PieceDossier

        piece = db.session.scalar(sa.select(PieceDossier).where(PieceDossier.fichier_id == self.id))
        if piece is not None:  # a piece of the dossier administratif: its own need-to-know
            from app.operations.dossier import lisible_par

            return lisible_par(piece.dossier, user)
        from app.models.interventions import LettreDemande

        lettre = db.session.scalar(sa.select(LettreDemande).where(
            sa.or_(LettreDemande.fichier_id == self.id, LettreDemande.fichier_accepte_id == self.id)))
        if lettre is not None:  # a lettre de demande (or its accepted PDF): staff of the intervention's structure
            from app.operations.interventions import lettre_lisible_par

            return lettre_lisible_par(lettre, user)
        from app.models.comptes import Intervenant
        from app.security.scope import profil_visible

        profil = db.session.execute(
            sa.select(Intervenant.etat_inscription, Intervenant.structure_id).where(
                Intervenant.user_id == self.owner_user_id
            )
        ).first()
        return profil is not None and profil_visible(profil.etat_inscription, profil.structure_id)

    def __str__(self) -> str:
        return self.original_name


class AccesFichier(Model):
    """Who downloaded which file, when and from where."""

    __tablename__ = "acces_fichier"
    id = sa.Column(sa.Integer, primary_key=True)
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    ip = sa.Column(sa.String(45))

    fichier = relationship(Fichier)
    user = relationship(User, foreign_keys=[user_id])


def _current_user_id() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def store_upload(
    file, *, owner_user_id: int | None, sensitive: bool, preset: UploadPreset, uploaded_by_id: int | None = None
) -> Fichier:
    """Validate ``file`` (a werkzeug ``FileStorage``) against ``preset``, store
    it and add its row to the session; the caller commits.

    Raises ``app.infra.uploads.UploadError`` (message for the user) when refused,
    ``StockageIndisponible`` (one, for the file field) when the storage
    cannot write it. The content is written before the commit, never a row
    without its file; a rolled-back caller's content is deleted
    (``enregistrer_contenu``).
    """
    upload = validate_upload(file, allowed_extensions=preset.extensions, max_bytes=preset.max_bytes)
    key = enregistrer_contenu(upload.data, sensitive=sensitive)
    fichier = Fichier(
        uuid=uuid.uuid4(),
        storage_key=key,
        original_name=upload.display_name,
        content_type=upload.content_type,
        size=upload.size,
        sensitive=sensitive,
        sha256=upload.sha256,
        owner_user_id=owner_user_id,
        uploaded_by_id=uploaded_by_id if uploaded_by_id is not None else _current_user_id(),
    )
    db.session.add(fichier)
    return fichier


class StockageIndisponible(UploadError):
    """The storage refused to write (full, read-only, unreachable): said in
    French next to the file field; the rest of the form is kept."""


#: What the person reads when the storage cannot write, by ``errno``.
MESSAGES_STOCKAGE = {
    errno.ENOSPC: "Le fichier n'a pas pu être enregistré : l'espace de stockage du site est plein. "
                  "Le reste de votre saisie est conservé ; réessayez plus tard.",
    errno.EDQUOT: "Le fichier n'a pas pu être enregistré : l'espace de stockage du site est plein. "
                  "Le reste de votre saisie est conservé ; réessayez plus tard.",
}
MESSAGE_STOCKAGE = ("Le fichier n'a pas pu être enregistré : l'espace de stockage du site est momentanément "
                    "indisponible. Le reste de votre saisie est conservé ; réessayez plus tard.")
_ECRITS = "fichiers_ecrits"  # session.info: storage keys written in the current transaction


def enregistrer_contenu(data: bytes, *, sensitive: bool) -> str:
    """Write ``data`` to the storage for a row of the current transaction;
    its key. The content is deleted if that transaction is rolled back (no
    orphan file); a storage error (``OSError``: full, read-only…) becomes
    ``StockageIndisponible`` (issue #34: a 500 that lost the typed text)."""
    try:
        key = get_storage().save(data, sensitive=sensitive)
    except OSError as exc:
        log.error("Stockage des fichiers en erreur (%s) : fichier refusé", exc)
        raise StockageIndisponible(MESSAGES_STOCKAGE.get(exc.errno, MESSAGE_STOCKAGE)) from exc
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that its end (commit or rollback) decides the content's fate
    session.info.setdefault(_ECRITS, []).append(key)
    return key


def read_fichier(fichier: Fichier) -> bytes:
    """The file's original content (decrypted when it is sensitive)."""
    return get_storage().open(fichier.storage_key)


# -- deletion: the row in the transaction, the content once it commits ------
_A_EFFACER = "fichiers_a_effacer"  # session.info: storage keys of deleted rows


def effacer(fichier: Fichier | None) -> None:
    """Delete a replaced or removed file: its row now, its content from the
    storage once the transaction commits (a rollback keeps both), so it is
    no longer downloadable nor left on disk."""
    if fichier is not None:
        db.session.delete(fichier)


def _noter_effaces(session, flush_context) -> None:
    keys = [obj.storage_key for obj in session.deleted if isinstance(obj, Fichier)]
    if keys:
        session.info.setdefault(_A_EFFACER, []).extend(keys)


def _effacer_apres_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: wait for the real commit
    session.info.pop(_ECRITS, None)  # committed: their rows exist
    _effacer_contenus(session.info.pop(_A_EFFACER, []))


def _effacer_contenus(keys) -> None:
    if not keys:
        return
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # the row is gone; a leftover content is only logged
            log.exception("Contenu du fichier %s non effacé du stockage", key)


def _oublier_si_annule(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_A_EFFACER, None)
        # Written for rows that were rolled back: nothing refers to them.
        _effacer_contenus(session.info.pop(_ECRITS, []))


def init_session_events(session) -> None:
    """Any ORM deletion of a ``Fichier`` row (profile, console...) removes
    its content after the commit (once per process)."""
    for name, listener in (
        ("after_flush", _noter_effaces),
        ("after_commit", _effacer_apres_commit),
        ("after_transaction_end", _oublier_si_annule),
    ):
        if not sa.event.contains(session, name, listener):
            sa.event.listen(session, name, listener)
