"""Self-hosted captcha ("Recopier le texte de l'image").

A challenge is a row of ``defi_captcha`` (server-side: the answer never goes
to the browser, not even in the signed session cookie) holding an HMAC of the
answer. It is single-use: any verification attempt consumes it, right or
wrong, so a replayed answer fails. It expires after ``CAPTCHA_TTL`` seconds.

The answer is made of digits so that the audio alternative can be built from
one recording per digit, in French: the project's own (app/data/captcha_voix/,
made with espeak-ng, origin and licence in its LISEZMOI.md), fully offline
(the ``captcha`` package's voice speaks English). Tests solve captchas with ``CAPTCHA_TEST_ANSWER``, honoured only when
``app.testing`` is True.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from pathlib import Path

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha
from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models import base
from app.models.authentification import DefiCaptcha

LONGUEUR = 6
TTL_DEFAUT = 15 * 60
MESSAGE_INVALIDE = "Le texte saisi ne correspond pas à l'image. Une nouvelle image a été générée."

_image = ImageCaptcha(width=240, height=80)
#: The ten French recordings (one folder per digit, as the ``captcha`` package expects).
VOIX = Path(__file__).parent.parent / "data" / "captcha_voix"
_audio = AudioCaptcha(voicedir=str(VOIX))


def _hash(challenge_id: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{challenge_id}:{answer.strip()}".encode(), hashlib.sha256).hexdigest()


def _answer_of(challenge_id: str) -> str:
    """The answer is derived from the id and the secret key: the image and
    the audio of one challenge always say the same thing, without storing it."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"captcha-reponse:{challenge_id}".encode(), hashlib.sha256).digest()
    return "".join(str(b % 10) for b in digest[:LONGUEUR])


def renouveler(ancien: str | None = None) -> str:
    """A new challenge; the one shown before (« Générer une autre image ») is used up."""
    if ancien is not None:
        verifier(ancien, "")
    return nouveau_defi()


def nouveau_defi() -> str:
    """Create a challenge and return its id (put in a hidden form field)."""
    now = base.utcnow()
    # Expired challenges are dropped as new ones are made: the table stays small.
    db.session.execute(delete(DefiCaptcha).where(DefiCaptcha.expire_le < now))
    challenge_id = secrets.token_hex(16)
    ttl = current_app.config.get("CAPTCHA_TTL", TTL_DEFAUT)
    db.session.add(
        DefiCaptcha(
            id=challenge_id,
            reponse_hash=_hash(challenge_id, _answer_of(challenge_id)),
            cree_le=now,
            expire_le=now + timedelta(seconds=ttl),
        )
    )
    return challenge_id


def _defi_actif(challenge_id: str) -> DefiCaptcha | None:
    if not challenge_id or len(challenge_id) != 32:
        return None
    defi = db.session.get(DefiCaptcha, challenge_id)
    if defi is None or defi.utilise_le is not None or defi.expire_le <= base.utcnow():
        return None
    return defi


def image_png(challenge_id: str) -> bytes | None:
    if _defi_actif(challenge_id) is None:
        return None
    return _image.generate(_answer_of(challenge_id), format="png").getvalue()


def audio_wav(challenge_id: str) -> bytes | None:
    if _defi_actif(challenge_id) is None:
        return None
    return bytes(_audio.generate(_answer_of(challenge_id)))


def verifier(challenge_id: str, answer: str) -> bool:
    """Check an answer and consume the challenge (whatever the outcome).

    The row is consumed with a conditional UPDATE so that two concurrent
    submissions of the same challenge cannot both pass.
    """
    from sqlalchemy import update

    defi = _defi_actif(challenge_id)
    if defi is None:
        return False
    consumed = db.session.execute(
        update(DefiCaptcha)
        .where(DefiCaptcha.id == defi.id, DefiCaptcha.utilise_le.is_(None))
        .values(utilise_le=base.utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if consumed != 1:
        return False
    answer = (answer or "").strip()
    test_answer = current_app.config.get("CAPTCHA_TEST_ANSWER")
    if current_app.testing and test_answer and answer == test_answer:
        return True
    return hmac.compare_digest(defi.reponse_hash, _hash(defi.id, answer))


def reponse_pour_tests(challenge_id: str) -> str:
    """The real answer of a challenge (tests of the real check only)."""
    if not current_app.testing:
        raise RuntimeError("Réservé aux tests.")
    return _answer_of(challenge_id)


def defi_existe(challenge_id: str) -> bool:
    return db.session.scalar(select(DefiCaptcha.id).where(DefiCaptcha.id == challenge_id)) is not None
