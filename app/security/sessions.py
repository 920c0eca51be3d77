"""Sessions that end (issue 19, point 1).

The session cookie is signed, so it cannot be forged, but on its own it
cannot be taken back either: a copied cookie used to outlive logout and
password changes. Each login therefore opens a row in
``session_utilisateur`` and puts its random token in the cookie; the user's
statement of every request (``EspaceSecurityManager.get_user_by_id``) also
says whether that row is still open, so the check costs no extra query.

- logout closes the current row (``fermer``, on flask-login's signal);
- ``invalider_sessions(user)`` closes every row of an account: password
  change or reset, e-mail change, and every account state that may not sign
  in (deactivation, archiving: app.workflows.compte);
- the cookie carries the start and the last activity of the session:
  beyond ``SESSION_INACTIVITE_*`` seconds without a request, or
  ``SESSION_DUREE_MAX`` seconds after login, the session is over.

API tokens (issue 33, point 2) are sessions of the same table: the API
login opens a row and its access and refresh tokens carry the row's token
(claim ``sid``) and the login time (``debut``). Every API call reads the row
with the user (``EspaceSecurityManager.load_user_jwt``), so whatever closes
the account's sessions above also ends its tokens, and no token outlives
``SESSION_DUREE_MAX`` after the login (a refresh keeps the login time).
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from flask import current_app, flash, g, has_request_context, session
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import delete, or_, update

from app.extensions import db, transaction_en_ecriture
from app.models import base
from app.models.authentification import SessionUtilisateur, hash_token
from app.security.roles import INTERVENANT

CLE_JETON = "_ei_session"
CLE_DEBUT = "_ei_debut"
CLE_ACTIVITE = "_ei_activite"
#: Claims of an API token: its session's token and the login time.
CLAIM_JETON = "sid"
CLAIM_DEBUT = "debut"
#: Flask-login's own keys, dropped with ours when a session is over.
_CLES_FLASK_LOGIN = ("_user_id", "_fresh", "_id", "_remember")
#: The last activity is written back to the cookie at most this often (s).
PAS_ACTIVITE = 60

MESSAGE_EXPIREE = "Votre session a expiré. Veuillez vous reconnecter."
MESSAGE_TERMINEE = "Votre session a pris fin. Veuillez vous reconnecter."


def maintenant() -> float:
    """Seconds since the epoch (one place, so tests can travel in time)."""
    return time.time()


def _nouveau_jeton(user_id: int) -> str:
    jeton = secrets.token_urlsafe(32)
    db.session.add(SessionUtilisateur(user_id=user_id, jeton_hash=hash_token(jeton), cree_le=base.utcnow()))
    return jeton


def cles_de_session(user) -> dict:
    """The cookie items of a new session of ``user`` (its row is added to the
    current transaction). Used by the login and by tests that sign in
    without the login form."""
    now = int(maintenant())
    return {
        "_user_id": str(user.id),
        "_fresh": True,
        CLE_JETON: _nouveau_jeton(user.id),
        CLE_DEBUT: now,
        CLE_ACTIVITE: now,
    }


def ouvrir(user) -> None:
    """A new server-side session for ``user`` in this browser (login).

    The user's rows closed or older than the absolute lifetime go at the same
    time: the table holds about one row per open session."""
    _purger(user)
    for cle, valeur in cles_de_session(user).items():
        if cle not in _CLES_FLASK_LOGIN:
            session[cle] = valeur
    db.session.commit()


def _purger(user) -> None:
    """The user's rows closed or older than the absolute lifetime."""
    limite = base.utcnow() - timedelta(seconds=current_app.config["SESSION_DUREE_MAX"])
    db.session.execute(
        delete(SessionUtilisateur)
        .where(
            SessionUtilisateur.user_id == user.id,
            or_(SessionUtilisateur.revoquee_le.is_not(None), SessionUtilisateur.cree_le < limite),
        )
        .execution_options(synchronize_session=False)
    )


def ouvrir_pour_api(user) -> dict:
    """A new session for an API login: the claims its tokens carry (committed)."""
    transaction_en_ecriture(db.session)
    _purger(user)
    claims = {CLAIM_JETON: _nouveau_jeton(user.id), CLAIM_DEBUT: int(maintenant())}
    db.session.commit()
    return claims


def claims_de(jwt_data: dict) -> dict:
    """The session claims of a token, passed on to the tokens a refresh gives."""
    return {CLAIM_JETON: jwt_data.get(CLAIM_JETON), CLAIM_DEBUT: jwt_data.get(CLAIM_DEBUT)}


def jeton_api_en_cours(jwt_data: dict) -> str | None:
    """The hashed session token of an API token still within the session's
    lifetime, or None (no session claims, or too old)."""
    jeton, debut = jwt_data.get(CLAIM_JETON), jwt_data.get(CLAIM_DEBUT)
    if not isinstance(jeton, str) or not jeton or not isinstance(debut, int) or isinstance(debut, bool):
        return None
    if maintenant() - debut > current_app.config["SESSION_DUREE_MAX"]:
        return None
    return hash_token(jeton)


def fermer_api(jwt_data: dict) -> None:
    """Close the session of an API token (API logout): its access and
    refresh tokens end together."""
    jeton = jwt_data.get(CLAIM_JETON)
    if isinstance(jeton, str) and jeton:
        _revoquer(hash_token(jeton))
        db.session.commit()


def _revoquer(jeton_hash: str) -> None:
    db.session.execute(
        update(SessionUtilisateur)
        .where(SessionUtilisateur.jeton_hash == jeton_hash, SessionUtilisateur.revoquee_le.is_(None))
        .values(revoquee_le=base.utcnow())
        .execution_options(synchronize_session=False)
    )


def fermer() -> None:
    """Close this browser's session (logout)."""
    jeton = session.pop(CLE_JETON, None)
    session.pop(CLE_DEBUT, None)
    session.pop(CLE_ACTIVITE, None)
    if jeton:
        _revoquer(hash_token(jeton))
        db.session.commit()


def invalider_sessions(*users) -> None:
    """Close every session of each account (a User or its id), in the
    caller's transaction, in one statement: after a password or e-mail
    change, an archiving or a deactivation, no cookie issued before opens a
    page any more."""
    ids = [getattr(user, "id", user) for user in users]
    if not ids:
        return
    db.session.execute(
        update(SessionUtilisateur)
        .where(SessionUtilisateur.user_id.in_(ids), SessionUtilisateur.revoquee_le.is_(None))
        .values(revoquee_le=base.utcnow())
        .execution_options(synchronize_session=False)
    )


def renouveler(user) -> None:
    """Every session of ``user`` closed, then a new one for this browser: the
    person who just changed their password stays signed in here only."""
    invalider_sessions(user)
    ouvrir(user)


def hash_du_jeton() -> str:
    """The hashed token of this request's cookie ("" without one), bound in
    the user's statement; while an API token is checked, that token's."""
    if has_request_context() and g.get("_ei_jeton_api"):
        return g._ei_jeton_api
    jeton = session.get(CLE_JETON) if has_request_context() else None
    return hash_token(jeton) if isinstance(jeton, str) and jeton else ""


def _est_intervenant(user) -> bool:
    noms = {role.name for role in user.roles}
    return noms == {INTERVENANT}


def delai_inactivite(user) -> int:
    config = current_app.config
    if _est_intervenant(user):
        return config["SESSION_INACTIVITE_INTERVENANT"]
    return config["SESSION_INACTIVITE_PERSONNEL"]


def _terminer(message: str) -> None:
    for cle in (*_CLES_FLASK_LOGIN, CLE_JETON, CLE_DEBUT, CLE_ACTIVITE):
        session.pop(cle, None)
    if not g.get("_espace_session_terminee"):
        g._espace_session_terminee = True
        flash(message, "warning")


def session_valide(user, ouverte: bool) -> bool:
    """Whether this request's session of ``user`` may go on (``ouverte``: its
    row is open, read with the user). A session that is over is emptied."""
    if not ouverte:
        _terminer(MESSAGE_TERMINEE)
        return False
    now = maintenant()
    debut, activite = session.get(CLE_DEBUT), session.get(CLE_ACTIVITE)
    if not isinstance(debut, int | float) or not isinstance(activite, int | float):
        _terminer(MESSAGE_TERMINEE)
        return False
    if now - debut > current_app.config["SESSION_DUREE_MAX"] or now - activite > delai_inactivite(user):
        _terminer(MESSAGE_EXPIREE)
        return False
    if now - activite >= PAS_ACTIVITE:
        session[CLE_ACTIVITE] = int(now)
    return True


def _apres_connexion(sender, user, **extra) -> None:
    ouvrir(user)


def _apres_deconnexion(sender, user, **extra) -> None:
    fermer()
    # The response still answers a signed-in request: not to be cached
    # (app.security.headers).
    g.etait_connecte = True


def init_app(app) -> None:
    user_logged_in.connect(_apres_connexion, app, weak=False)
    user_logged_out.connect(_apres_deconnexion, app, weak=False)
