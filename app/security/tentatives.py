"""The log of login attempts (``TentativeConnexion``): one row per attempt,
form and API alike, and per administrator's « Déverrouiller ».

The throttle (``app.security.auth.ralentissement``) counts its rows; the
account's workflow (``app.workflows.compte``) writes the unlock row here,
below both.
"""

from __future__ import annotations

from flask import g, request

from app.extensions import db
from app.models import base
from app.models.authentification import TentativeConnexion

#: Outcomes that do not count in the request rate limit (``AUTH_RATE_LIMIT``):
#: a sign-in, a right password waiting for its code, a form asking for the
#: captcha. Everything else posted to a login route counts (failures,
#: refusals, malformed requests).
MOTIFS_ABOUTIS = frozenset({"succes", "code_secours", "code_requis", "captcha_requis"})

#: Rows after which an identifier starts counting again: a success, or an
#: administrator's « Déverrouiller » (``noter_deverrouillage``).
MOTIF_DEVERROUILLAGE = "deverrouillage"


def _ip() -> str | None:
    return request.remote_addr if request else None


def _journaliser(identifiant: str, user, succes: bool, motif: str, canal: str) -> None:
    """One row of the attempts log (in the caller's transaction)."""
    if request:
        g._espace_connexion_aboutie = motif in MOTIFS_ABOUTIS
    db.session.add(
        TentativeConnexion(
            identifiant=(identifiant or "")[:320],
            user_id=user.id if user is not None else None,
            succes=succes,
            motif=motif,
            canal=canal,
            adresse_ip=_ip(),
            cree_le=base.utcnow(),
        )
    )


def noter_deverrouillage(user) -> None:
    """« Déverrouiller »: the identifier's failures before this row stop counting."""
    _journaliser(user.email, user, False, MOTIF_DEVERROUILLAGE, "admin")
