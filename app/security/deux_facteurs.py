"""Second factor of sign-in (issue 28): TOTP (RFC 6238, 30 s, 6 digits) and
recovery codes.

- who must use it: the roles of ``DEUX_FACTEURS_ROLES`` (``obligatoire``);
  anyone else may choose it in « Mon compte » (an enrolled account always
  gets the second step: ``actif``);
- enrolment: a pending secret (``demarrer``), confirmed by a first code
  (``confirmer``), then ten recovery codes shown once;
- checks: ``verifier`` takes a TOTP code (±1 time step, each step accepted
  once) or a recovery code (used once); the caller (app.security.auth)
  logs the attempt, so that wrong codes count in the login throttle;
- lost device: ``reinitialiser`` (national admin): factor removed, sessions
  closed, the reset logged and the person told by e-mail.

A signed-in browser that went through the second step (or needs none)
carries ``CLE_VERIFIE`` in its session; ``imposer_second_facteur`` keeps a
staff member without it on the enrolment page.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in, user_logged_out
from sqlalchemy import delete, func, or_, select, update

from app.extensions import db
from app.infra.mail import queue_email
from app.models import base
from app.models.authentification import TentativeConnexion, hash_token
from app.models.deux_facteurs import CodeSecours, SecondFacteur
from app.security.sessions import invalider_sessions

PERIODE = 30
CHIFFRES = 6
#: Time steps accepted before and after the server's (clock drift).
TOLERANCE = 1
NOMBRE_CODES_SECOURS = 10
#: Recovery code alphabet: no 0/O, 1/I/L to misread.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
EMETTEUR = "Espace Intervenants CNFPT"

#: Session key: this browser's sign-in went through the second step.
CLE_VERIFIE = "_ei_2fa"
#: Session key of a sign-in waiting for its code: {"uid", "t", "next"}.
CLE_ATTENTE = "_ei_2fa_attente"
#: Seconds a password stays good for the code step.
DUREE_ATTENTE = 300

MOTIF_REINITIALISATION = "second_facteur_reinitialise"


def maintenant() -> float:
    """Seconds since the epoch (one place, so tests can travel in time)."""
    return time.time()


# -- who ------------------------------------------------------------------------
def roles_obliges() -> frozenset[str]:
    valeur = current_app.config.get("DEUX_FACTEURS_ROLES", ())
    if isinstance(valeur, str):
        valeur = valeur.split(",")
    return frozenset(nom.strip() for nom in valeur if nom and nom.strip())


def obligatoire(user) -> bool:
    """Whether ``user``'s roles oblige them to a second factor (no query: the
    roles come with the signed-in user)."""
    return bool(roles_obliges() & {role.name for role in user.roles})


def facteur(user_id: int) -> SecondFacteur | None:
    return db.session.get(SecondFacteur, user_id)


def actif(user_id: int) -> bool:
    """Whether the account has a confirmed second factor."""
    return db.session.scalar(
        select(SecondFacteur.user_id).where(SecondFacteur.user_id == user_id, SecondFacteur.secret.is_not(None))
    ) is not None


# -- enrolment ------------------------------------------------------------------
def demarrer(user) -> str:
    """A new pending secret for ``user`` (the confirmed one, if any, stays
    until the new one is confirmed). Flushed, not committed."""
    ligne = facteur(user.id)
    if ligne is None:
        ligne = SecondFacteur(user_id=user.id, cree_le=base.utcnow())
        db.session.add(ligne)
    ligne.secret_en_attente = pyotp.random_base32()
    db.session.flush()
    return ligne.secret_en_attente


def uri(user, secret: str) -> str:
    """The otpauth:// URI an authenticator application reads from the QR code."""
    return pyotp.TOTP(secret, digits=CHIFFRES, interval=PERIODE).provisioning_uri(name=user.email, issuer_name=EMETTEUR)


def qr_svg(contenu: str) -> str:
    """The QR code as inline SVG (no external resource, no inline style)."""
    return segno.make(contenu, error="m").svg_inline(
        scale=5, border=4, title="Code QR à scanner avec votre application d'authentification"
    )


def secret_lisible(secret: str) -> str:
    """The secret by groups of four, to type by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _pas(instant: float) -> int:
    return int(instant // PERIODE)


def code_a(secret: str, instant: float) -> str:
    """The code of ``secret`` at ``instant`` (demo, tests)."""
    return pyotp.TOTP(secret, digits=CHIFFRES, interval=PERIODE).generate_otp(_pas(instant))


def _normaliser_totp(saisie: str) -> str | None:
    chiffres = "".join((saisie or "").split())
    return chiffres if len(chiffres) == CHIFFRES and chiffres.isdigit() else None


def _pas_correspondant(secret: str, code: str, instant: float) -> int | None:
    """The time step (within the tolerance) whose code is ``code``."""
    totp = pyotp.TOTP(secret, digits=CHIFFRES, interval=PERIODE)
    courant = _pas(instant)
    trouve = None
    for pas in range(courant - TOLERANCE, courant + TOLERANCE + 1):
        if hmac.compare_digest(totp.generate_otp(pas), code):
            trouve = pas
    return trouve


def confirmer(user, saisie: str) -> list[str] | None:
    """Confirm the pending secret with a first code: it becomes the account's
    factor, and ten new recovery codes replace the old ones (returned in
    clear, to be shown once). None when the code is not the right one."""
    ligne = facteur(user.id)
    code = _normaliser_totp(saisie)
    if ligne is None or ligne.secret_en_attente is None or code is None:
        return None
    pas = _pas_correspondant(ligne.secret_en_attente, code, maintenant())
    if pas is None:
        return None
    ligne.secret, ligne.secret_en_attente = ligne.secret_en_attente, None
    ligne.dernier_pas = pas
    ligne.confirme_le = base.utcnow()
    return nouveaux_codes_secours(user.id)


def activer_avec_secret(user, secret: str) -> list[str]:
    """Enrol ``user`` with a known secret, without a first code: the
    embedded demo only (app.donnees.demo). Returns the recovery codes."""
    ligne = facteur(user.id)
    if ligne is None:
        ligne = SecondFacteur(user_id=user.id, cree_le=base.utcnow())
        db.session.add(ligne)
    ligne.secret, ligne.secret_en_attente, ligne.dernier_pas = secret, None, None
    ligne.confirme_le = base.utcnow()
    db.session.flush()
    return nouveaux_codes_secours(user.id)


# -- recovery codes ---------------------------------------------------------------
def _normaliser_secours(saisie: str) -> str:
    return "".join(c for c in (saisie or "").upper() if c.isalnum())


def _code_secours() -> str:
    brut = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{brut[:4]}-{brut[4:8]}-{brut[8:]}"


def nouveaux_codes_secours(user_id: int) -> list[str]:
    """Ten new recovery codes (the old ones no longer work), in clear for
    this one display; only their digests are stored."""
    db.session.execute(delete(CodeSecours).where(CodeSecours.user_id == user_id))
    codes = [_code_secours() for _ in range(NOMBRE_CODES_SECOURS)]
    now = base.utcnow()
    db.session.add_all(
        CodeSecours(user_id=user_id, code_hash=hash_token(_normaliser_secours(code)), cree_le=now) for code in codes
    )
    db.session.flush()
    return codes


def codes_restants(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CodeSecours).where(CodeSecours.user_id == user_id, CodeSecours.utilise_le.is_(None))
    )


def texte_codes_secours(user, codes: list[str]) -> str:
    """The downloadable text file of the recovery codes."""
    lignes = [
        f"{EMETTEUR} — codes de secours de {user.email}",
        "Chaque code ne sert qu'une fois, à la place du code de votre application d'authentification.",
        "Conservez-les en lieu sûr.",
        "",
        *codes,
        "",
    ]
    return "\n".join(lignes)


# -- checks ----------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    ok: bool
    #: "totp", "secours" (accepted); "code" (wrong), "code_rejoue" (already used).
    motif: str


def verifier(user_id: int, saisie: str) -> Verification:
    """Check a TOTP code or a recovery code of the account, in the caller's
    transaction. An accepted TOTP step and a used recovery code are written
    by a conditional UPDATE: two requests with the same code cannot both
    pass."""
    ligne = facteur(user_id)
    if ligne is None or ligne.secret is None:
        return Verification(False, "code")
    code = _normaliser_totp(saisie)
    if code is not None:
        pas = _pas_correspondant(ligne.secret, code, maintenant())
        if pas is None:
            return Verification(False, "code")
        accepte = db.session.execute(
            update(SecondFacteur)
            .where(
                SecondFacteur.user_id == user_id,
                or_(SecondFacteur.dernier_pas.is_(None), SecondFacteur.dernier_pas < pas),
            )
            .values(dernier_pas=pas)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        return Verification(True, "totp") if accepte else Verification(False, "code_rejoue")
    secours = _normaliser_secours(saisie)
    if len(secours) != 12:
        return Verification(False, "code")
    utilise = db.session.execute(
        update(CodeSecours)
        .where(
            CodeSecours.user_id == user_id,
            CodeSecours.code_hash == hash_token(secours),
            CodeSecours.utilise_le.is_(None),
        )
        .values(utilise_le=base.utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return Verification(True, "secours") if utilise else Verification(False, "code")


# -- turning it off ----------------------------------------------------------------
def retirer(user_id: int) -> bool:
    """Remove the account's second factor and recovery codes (caller's
    transaction). Whether there was one."""
    avait = actif(user_id)
    db.session.execute(delete(CodeSecours).where(CodeSecours.user_id == user_id))
    db.session.execute(delete(SecondFacteur).where(SecondFacteur.user_id == user_id))
    return avait


def reinitialiser(user, acteur_id: int | None) -> None:
    """Lost device: a national admin removes ``user``'s second factor. Every
    session of the account ends; the reset is written to the attempts log
    (who, for whom, when, from where) and the person is told by e-mail, in
    the caller's transaction. At the next sign-in, a person whose role
    requires it enrols again."""
    retirer(user.id)
    invalider_sessions(user)
    db.session.add(
        TentativeConnexion(
            identifiant=user.email[:320],
            user_id=user.id,
            succes=False,
            motif=MOTIF_REINITIALISATION,
            canal="admin",
            adresse_ip=request.remote_addr if request else None,
            acteur_id=acteur_id,
            cree_le=base.utcnow(),
        )
    )
    queue_email(
        user.email,
        "compte_second_facteur_reinitialise",
        "Réinitialisation de votre double authentification",
        prenom=user.first_name,
        nom=user.last_name,
        obligatoire=obligatoire(user),
    )


# -- the gate ----------------------------------------------------------------------
#: Endpoints a staff member who must enrol may still reach.
ENDPOINTS_ENROLEMENT = {
    "static",
    "appbuilder.static",
    "AuthDBView.logout",
    "DeuxFacteursView.enroler",
    "CompteView.identifiants",
}


def marquer_verifie() -> None:
    session[CLE_VERIFIE] = True
    session.pop(CLE_ATTENTE, None)


def imposer_second_facteur():
    """A signed-in staff member whose session did not pass the second step:
    to the enrolment page when they have no factor yet; signed out when they
    have one (a session opened some other way than the two-step login)."""
    if session.get(CLE_VERIFIE) or request.endpoint in ENDPOINTS_ENROLEMENT or request.endpoint is None:
        return None
    if not current_user or not current_user.is_authenticated or not obligatoire(current_user):
        return None
    if actif(current_user.id):
        logout_user()
        return redirect(url_for("AuthDBView.login"))
    return redirect(url_for("DeuxFacteursView.enroler"))


def _oublier(sender, user, **extra) -> None:
    """A new sign-in or a logout: this browser has passed no second step yet."""
    session.pop(CLE_VERIFIE, None)
    session.pop(CLE_ATTENTE, None)


def init_app(app) -> None:
    user_logged_in.connect(_oublier, app, weak=False)
    user_logged_out.connect(_oublier, app, weak=False)
