"""Self-hosted captcha: image, audio, single use, expiry, test hook (issue #3)."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.infra import captcha
from app.models import base
from app.models.authentification import DefiCaptcha


def test_image_and_audio_served_without_cache(client):
    challenge = captcha.nouveau_defi()
    db.session.commit()
    image = client.get(f"/captcha/{challenge}/image.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"
    assert image.headers["Cache-Control"] == "no-store"
    audio = client.get(f"/captcha/{challenge}/audio.wav")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav" and audio.data[:4] == b"RIFF"
    assert client.get("/captcha/" + "0" * 32 + "/image.png").status_code == 404


def test_answer_never_stored_in_clear(app):
    challenge = captcha.nouveau_defi()
    answer = captcha.reponse_pour_tests(challenge)
    row = db.session.get(DefiCaptcha, challenge)
    assert answer not in row.reponse_hash and len(answer) == captcha.LONGUEUR


def test_right_answer_passes_once_only(app):
    challenge = captcha.nouveau_defi()
    answer = captcha.reponse_pour_tests(challenge)
    assert captcha.verifier(challenge, answer)
    assert not captcha.verifier(challenge, answer)  # replay


def test_wrong_answer_consumes_the_challenge(app):
    challenge = captcha.nouveau_defi()
    answer = captcha.reponse_pour_tests(challenge)
    assert not captcha.verifier(challenge, "999999x")
    assert not captcha.verifier(challenge, answer)


def test_challenge_expires(app, monkeypatch):
    challenge = captcha.nouveau_defi()
    answer = captcha.reponse_pour_tests(challenge)
    later = base.utcnow() + timedelta(seconds=captcha.TTL_DEFAUT + 1)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    assert captcha.image_png(challenge) is None
    assert not captcha.verifier(challenge, answer)


def test_test_hook_only_when_testing(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_TEST_ANSWER", "passe-partout")
    challenge = captcha.nouveau_defi()
    assert captcha.verifier(challenge, "passe-partout")
    monkeypatch.setattr(app, "testing", False)
    challenge = captcha.nouveau_defi()
    assert not captcha.verifier(challenge, "passe-partout")


def test_forged_ids_refused(app):
    assert not captcha.verifier("", "123456")
    assert not captcha.verifier("x" * 500, "123456")
    assert captcha.audio_wav("../../etc/passwd") is None


def test_audio_captcha_speaks_french_recordings_shipped_with_the_project():
    """Issue 25: the audio alternative says the digits in French, from the
    project's recordings (origin and licence noted beside them)."""
    import wave

    from app.infra import captcha

    assert sorted(captcha._audio.choices) == [str(c) for c in range(10)]
    assert captcha._audio._voicedir == str(captcha.VOIX)
    for chiffre in range(10):
        with wave.open(str(captcha.VOIX / str(chiffre) / "fr.wav")) as son:
            assert (son.getnchannels(), son.getsampwidth(), son.getframerate()) == (1, 1, 8000)
            assert son.getnframes() > 2000  # a spoken word, not an empty file
    assert "espeak-ng" in (captcha.VOIX / "LISEZMOI.md").read_text(encoding="utf-8")


def test_audio_of_a_challenge_is_built_from_the_french_voice(app, client):
    from app.infra import captcha

    with app.test_request_context():
        defi = captcha.nouveau_defi()
    reponse = client.get(f"/captcha/{defi}/audio.wav")
    assert reponse.status_code == 200 and reponse.data[:4] == b"RIFF"
