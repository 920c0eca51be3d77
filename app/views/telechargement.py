"""A stored file sent as a streamed attachment (issue 38, point 5): the
storage's blocks go to the client as they come (``FileStorage.flux``), so a
download from S3 never sits whole in a web worker for a plain file; an
encrypted one is decrypted whole first (a Fernet token is checked as a whole).
"""

from __future__ import annotations

import io

from flask import send_file

from app.infra.storage import get_storage


class _FluxLecture(io.RawIOBase):
    """A read-only file over an iterator of blocks (what ``send_file`` streams)."""

    def __init__(self, blocs):
        self._blocs, self._reste = iter(blocs), b""

    def readable(self) -> bool:
        return True

    def readinto(self, tampon) -> int:
        while not self._reste:
            try:
                self._reste = next(self._blocs)
            except StopIteration:
                return 0
        n = min(len(tampon), len(self._reste))
        tampon[:n], self._reste = self._reste[:n], self._reste[n:]
        return n

    def close(self) -> None:
        fermer = getattr(self._blocs, "close", None)
        if fermer:
            fermer()
        super().close()


def reponse_en_flux(fichier):
    """The file (a ``Fichier`` row) as an attachment streamed from the
    storage, never sniffed, rendered nor cached. ``FileNotFoundError`` if its
    content is missing (raised before the response starts)."""
    flux = io.BufferedReader(_FluxLecture(get_storage().flux(fichier.storage_key)), 64 * 1024)
    reponse = send_file(flux, mimetype=fichier.content_type, as_attachment=True,
                        download_name=fichier.original_name, etag=False, conditional=False)
    reponse.headers["Cache-Control"] = "private, no-store"
    reponse.content_length = fichier.size
    return reponse
