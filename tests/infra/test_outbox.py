"""Outbox: e-mails written in the caller's transaction, sent after commit.

Every test runs in both modes: inline (default) and, when TEST_REDIS_URL is
set, through real Redis queues and an in-process rq SimpleWorker
(``run_jobs``). A real SMTP server (aiosmtpd) listens on loopback.
"""

from __future__ import annotations

import email
import logging
import re
from email import policy
from pathlib import Path

import pytest
from flask_admin.contrib.sqla.filters import EnumEqualFilter

from app.extensions import db
from app.infra import mail
from app.jobs import redispatch_pending
from app.models.comptes import EtatInscription
from app.models.outbox import OutboxMessage, OutboxStatus
from app.workflows.core import Acteur
from app.workflows.inscription import inscription
from tests.conftest import csrf_token_from, page_text
from tests.outils import mails
from tests.outils.mails import free_port, outbox_rows, parts, queue_test_email, run_jobs

# Fixtures shared with other test modules (tests/outils/mails.py).
clock = mails.clock
rq_queues = mails.rq_queues
smtp = mails.smtp
smtp_down = mails.smtp_down
smtp_server = mails.smtp_server

SENDER = "ne-pas-repondre@cnfpt.fr"


# -- fixtures shared with test_jobs.py ---------------------------------------


# -- sending -----------------------------------------------------------------
def test_email_is_sent_after_commit_in_french_with_both_parts(app, smtp):
    queued = queue_test_email()
    assert queued in db.session.new
    assert smtp.messages == []

    db.session.commit()
    run_jobs(app)

    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert SENDER in message["From"]
    assert message["To"] == "helene.dupre@example.test"
    assert message["Subject"] == "Votre inscription à l'Espace Intervenants du CNFPT est validée"
    assert message["Message-ID"] and message["Date"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert smtp.envelopes[0].rcpt_tos == ["helene.dupre@example.test"]
    text, html = parts(message)
    for body in (text, html):
        assert "Hélène Dupré-Çelik" in body
        assert "Protection des données personnelles" in body
        assert "RGPD" in body
        assert "merci de ne pas y répondre" in body
        assert "Très bon dossier, à bientôt !" in body
        assert "http://localhost/mon-profil/" in body
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html

    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.next_attempt_at is None
    assert row.last_error is None


def test_several_recipients(app, smtp):
    queue_test_email(to=["a@example.test", "b@example.test"])
    db.session.commit()
    run_jobs(app)
    assert sorted(smtp.envelopes[0].rcpt_tos) == ["a@example.test", "b@example.test"]


@pytest.mark.parametrize("to", ["", "pas-une-adresse", "a@example.test\r\nBcc: x@example.test"])
def test_invalid_recipient_is_refused(app, to):
    with pytest.raises(ValueError):
        queue_test_email(to=to)


def test_rollback_drops_the_email(app, smtp):
    queue_test_email()
    db.session.flush()
    db.session.rollback()
    assert outbox_rows() == []

    db.session.commit()  # a later, unrelated commit sends nothing either
    run_jobs(app)
    assert smtp.messages == []
    assert outbox_rows() == []


def test_a_savepoint_waits_for_the_real_commit(app, smtp):
    with db.session.begin_nested():
        queue_test_email(to="gardee@example.test")
    with db.session.begin_nested() as dropped:
        queue_test_email(to="annulee@example.test")
        dropped.rollback()
    run_jobs(app)
    assert smtp.messages == []  # released SAVEPOINT: nothing leaves yet

    db.session.commit()
    run_jobs(app)
    assert [m["To"] for m in smtp.messages] == ["gardee@example.test"]
    assert [row.recipients for row in outbox_rows()] == ["gardee@example.test"]


def test_nothing_is_sent_twice(app, smtp):
    queue_test_email()
    db.session.commit()
    run_jobs(app)
    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent

    assert mail.send_outbox_message(row.id) == mail.SKIPPED
    redispatch_pending()
    run_jobs(app)
    assert len(smtp.messages) == 1
    assert outbox_rows()[0].attempts == 1


def test_a_row_being_sent_elsewhere_is_skipped(app, smtp, clock):
    row = queue_test_email()
    db.session.flush()
    row.status = OutboxStatus.sending
    row.attempts = 1
    row.next_attempt_at = clock.now() + mail.sending_lease()
    db.session.commit()
    assert mail.send_outbox_message(row.id) == mail.SKIPPED
    assert redispatch_pending() == 0

    clock.advance(mail.sending_lease().total_seconds() + 1)  # that worker died
    assert redispatch_pending() == 1
    run_jobs(app)
    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent
    assert row.attempts == 2
    assert len(smtp.messages) == 1


def test_smtp_down_keeps_the_row_pending_then_redispatch_sends_it(app, smtp_down, smtp_server, clock, monkeypatch):
    queue_test_email()
    db.session.commit()  # must not raise although SMTP is down
    run_jobs(app)

    [row] = outbox_rows()
    assert row.status is OutboxStatus.pending
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    delay = (row.next_attempt_at - clock.now()).total_seconds()
    assert mail.backoff(1) - 5 < delay <= mail.backoff(1)

    # Not due yet: the periodic re-dispatch leaves it alone.
    assert redispatch_pending() == 0
    run_jobs(app)
    assert outbox_rows()[0].attempts == 1

    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)  # SMTP is back
    clock.advance(mail.backoff(1))
    assert redispatch_pending() == 1
    run_jobs(app)

    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent
    assert row.attempts == 2
    assert len(smtp_server.messages) == 1


def test_back_off_grows_then_the_row_fails(app, smtp_down, clock, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    queue_test_email()
    db.session.commit()
    run_jobs(app)
    delays = []
    for expected_attempts in (1, 2):
        [row] = outbox_rows()
        assert (row.status, row.attempts) == (OutboxStatus.pending, expected_attempts)
        delays.append((row.next_attempt_at - clock.now()).total_seconds())
        clock.advance(mail.backoff(expected_attempts))
        assert redispatch_pending() == 1
        run_jobs(app)
    assert delays[1] > delays[0]

    [row] = outbox_rows()
    assert row.status is OutboxStatus.failed
    assert row.attempts == 3
    assert row.next_attempt_at is None
    assert row.last_error
    clock.advance(24 * 3600)
    assert redispatch_pending() == 0


def test_permanent_refusal_fails_at_once(app, smtp, monkeypatch):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 Utilisateur inconnu"

    smtp.handle_RCPT = refuse
    queue_test_email()
    db.session.commit()
    run_jobs(app)
    [row] = outbox_rows()
    assert row.status is OutboxStatus.failed
    assert row.attempts == 1
    assert "550" in row.last_error


def test_redis_down_does_not_break_the_request(app, smtp, clock, monkeypatch, caplog):
    original = app.config.get("REDIS_URL")
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="app.infra.mail"):
        queue_test_email()
        db.session.commit()
    assert "reste" in caplog.text or "restent en attente" in caplog.text
    [row] = outbox_rows()
    assert (row.status, row.attempts) == (OutboxStatus.pending, 0)
    assert smtp.messages == []

    monkeypatch.setitem(app.config, "REDIS_URL", original)  # Redis is back
    assert redispatch_pending() == 0  # the first dispatch is given its grace period
    clock.advance(mail.FIRST_DISPATCH_GRACE.total_seconds())
    assert redispatch_pending() == 1
    run_jobs(app)
    assert outbox_rows()[0].status is OutboxStatus.sent
    assert len(smtp.messages) == 1


def test_file_mode_writes_eml_and_logs_its_links(app, tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path / "mail"))
    with caplog.at_level(logging.INFO, logger="app.infra.mail"):
        queue_test_email()
        db.session.commit()
        run_jobs(app)

    files = list(Path(tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Votre inscription à l'Espace Intervenants du CNFPT est validée"
    text, html = parts(message)
    assert "Hélène" in text and "Hélène" in html
    assert str(files[0]) in caplog.text
    assert "Lien de l'e-mail" in caplog.text
    assert "http://localhost/mon-profil/" in caplog.text
    assert "http://localhost/mentions-legales" in caplog.text
    assert outbox_rows()[0].status is OutboxStatus.sent


def test_purge_deletes_old_sent_rows_only(app, tmp_path, monkeypatch, clock):
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    queue_test_email()
    db.session.commit()
    run_jobs(app)
    queue_test_email(to="autre@example.test")
    db.session.flush()
    db.session.commit()  # second one sent too, then a third stays pending below
    run_jobs(app)
    pending = queue_test_email(to="attente@example.test")
    db.session.flush()
    pending.status = OutboxStatus.failed
    db.session.commit()
    assert mail.purge_sent(30) == 0
    clock.advance(31 * 24 * 3600)
    assert mail.purge_sent(30) == 2
    assert [row.recipients for row in outbox_rows()] == ["attente@example.test"]


# -- the inscription decision --------------------------------------------------
@pytest.mark.parametrize(
    ("event", "comment", "subject_part", "body_part"),
    [
        ("valider", None, "est validée", "a été validée"),
        ("rejeter", "Expérience insuffisante en pédagogie.", "n'a pas été retenue", "n'a pas été retenue"),
        ("demander_complement", "Merci de joindre votre diplôme.", "complément", "complément d'information"),
    ],
)
def test_inscription_decision_is_queued_in_the_same_transaction(
    app, factory, smtp, event, comment, subject_part, body_part
):
    user, profil = factory.intervenant("DR-84", first="Élodie", last="Lefèvre")
    gestionnaire = factory.gestionnaire("DR-84")
    profil.etat_inscription = EtatInscription("transmise")
    db.session.commit()

    inscription.apply(profil, event, Acteur.from_user(gestionnaire), comment=comment)
    db.session.flush()
    pending = outbox_rows()  # flushed in the transition's transaction, not committed
    assert len(pending) == 1 and pending[0].recipients == user.email
    assert smtp.messages == []  # nothing leaves before the commit

    db.session.commit()
    run_jobs(app)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert subject_part in message["Subject"]
    text, html = parts(message)
    assert body_part in text and body_part in re.sub(r"<[^>]+>", "", html)
    assert "Élodie Lefèvre" in text
    assert "http://localhost/mon-profil/" in text
    if comment:
        assert comment in text and comment in html


def test_inscription_decision_is_dropped_with_its_transaction(app, factory, smtp):
    _, profil = factory.intervenant("DR-84")
    gestionnaire = factory.gestionnaire("DR-84")
    profil.etat_inscription = EtatInscription("transmise")
    db.session.commit()

    inscription.apply(profil, "valider", Acteur.from_user(gestionnaire))
    db.session.flush()
    assert len(outbox_rows()) == 1
    db.session.rollback()
    db.session.commit()
    run_jobs(app)
    assert outbox_rows() == []
    assert smtp.messages == []


def test_transmission_by_the_intervenant_sends_nothing(app, factory, smtp):
    user, profil = factory.intervenant("DR-84", complet=True)
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    run_jobs(app)
    assert outbox_rows() == []


# -- console supervision -------------------------------------------------------
def _failed_row(recipient="echec@example.test") -> OutboxMessage:
    row = queue_test_email(to=recipient)
    db.session.flush()
    row.status = OutboxStatus.failed
    row.attempts = 6
    row.last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
    row.next_attempt_at = None
    db.session.commit()
    return row


def test_console_outbox_is_for_the_national_administration(app, login_as, smtp_down):
    _failed_row()
    admin = login_as("admin_national")
    response = admin.get("/backoffice/bo_outbox/")
    assert response.status_code == 200
    html = page_text(response)
    assert "echec@example.test" in html
    assert "Échec" in html
    assert "Renvoyer" in html
    assert "ConnectionRefusedError" in html

    searched = page_text(admin.get("/backoffice/bo_outbox/?search=personne@nulle.part"))
    assert "echec@example.test" not in searched

    assert admin.get("/backoffice/bo_outbox/new/").status_code in (302, 403, 404)
    assert admin.get("/backoffice/bo_outbox/edit/?id=1").status_code in (302, 403, 404)

    gestionnaire = login_as("gestionnaire")
    assert gestionnaire.get("/backoffice/bo_outbox/").status_code == 403


def test_console_filters_by_status(app, login_as, smtp_down):
    _failed_row()
    admin = login_as("admin_national")
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "bo_outbox")
    status_filter = next(
        i for i, f in enumerate(view._filters) if f.column.key == "status" and isinstance(f, EnumEqualFilter)
    )
    only_sent = page_text(admin.get(f"/backoffice/bo_outbox/?flt0_{status_filter}=sent"))
    only_failed = page_text(admin.get(f"/backoffice/bo_outbox/?flt0_{status_filter}=failed"))
    assert "echec@example.test" not in only_sent
    assert "echec@example.test" in only_failed


def test_console_renvoyer_puts_failed_rows_back_and_sends_them(app, login_as, smtp):
    row = _failed_row()
    admin = login_as("admin_national")
    token = csrf_token_from(admin.get("/backoffice/bo_outbox/").get_data(as_text=True))
    response = admin.post(
        "/backoffice/bo_outbox/action/",
        data={"action": "renvoyer", "rowid": [str(row.id)], "csrf_token": token},
    )
    assert response.status_code == 302
    run_jobs(app)
    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent
    assert row.attempts == 1
    assert len(smtp.messages) == 1


def test_console_renvoyer_needs_the_csrf_token(app, login_as, smtp):
    row = _failed_row()
    admin = login_as("admin_national")
    response = admin.post("/backoffice/bo_outbox/action/", data={"action": "renvoyer", "rowid": [str(row.id)]})
    assert response.status_code == 400
    assert outbox_rows()[0].status is OutboxStatus.failed


# -- CLI -----------------------------------------------------------------------
def test_cli_status_and_redispatch(app, smtp, clock):
    _failed_row()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 0, result.output
    assert "Échec" in result.output and "echec@example.test" in result.output

    pending = queue_test_email(to="attente@example.test")
    db.session.flush()
    db.session.info.pop("outbox_dispatch", None)  # as if Redis had been down at commit
    db.session.commit()
    clock.advance(mail.FIRST_DISPATCH_GRACE.total_seconds())
    result = runner.invoke(args=["outbox", "redispatch"])
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s) relancé(s)" in result.output
    run_jobs(app)
    assert db.session.get(OutboxMessage, pending.id).status is OutboxStatus.sent
