"""Issue #26: « sent » is committed once the SMTP server has accepted the
message, before QUIT; a row left « sending » by a dead worker is retried
after the short lease (``MAIL_SENDING_LEASE``) with the same Message-ID."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.infra import mail
from app.jobs import redispatch_pending
from app.models.outbox import OutboxMessage, OutboxStatus
from tests.outils import mails
from tests.outils.mails import CollectingHandler, free_port, outbox_rows, queue_test_email, run_jobs

# Fixtures shared with other test modules (tests/outils/mails.py).
clock = mails.clock
rq_queues = mails.rq_queues
smtp = mails.smtp
smtp_server = mails.smtp_server


class QuitEnPanne(CollectingHandler):
    """Accepts every message, then never answers QUIT in time."""

    async def handle_QUIT(self, server, session, envelope):
        await asyncio.sleep(3)
        return "221 Bye"


@pytest.fixture
def smtp_quit_en_panne(app, monkeypatch):
    handler = QuitEnPanne()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 1)
    try:
        yield handler
    finally:
        controller.stop()


def test_sent_is_committed_before_quit_and_a_failing_quit_changes_nothing(app, smtp_quit_en_panne, clock, monkeypatch):
    etats_au_quit = []
    vrai_quit = mail._quit

    def quit_observe(smtp, message_id):
        with mail._job_session() as session:  # the job runs in after_commit
            etats_au_quit.append(session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id)))
        vrai_quit(smtp, message_id)

    monkeypatch.setattr(mail, "_quit", quit_observe)
    queue_test_email()
    db.session.commit()
    run_jobs(app)

    assert etats_au_quit == [OutboxStatus.sent]  # recorded before QUIT was sent
    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent and row.attempts == 1 and row.last_error is None
    clock.advance(24 * 3600)
    assert redispatch_pending() == 0  # never retried
    run_jobs(app)
    assert len(smtp_quit_en_panne.messages) == 1


def test_a_row_left_sending_is_retried_after_the_short_lease_with_the_same_message_id(app, smtp, clock):
    assert mail.sending_lease().total_seconds() == app.config["MAIL_SENDING_LEASE"] == 60
    row = queue_test_email()
    db.session.flush()
    message_id = row.message_id
    # A worker claimed it and died (kill -9) before recording the outcome.
    row.status, row.attempts = OutboxStatus.sending, 1
    row.next_attempt_at = clock.now() + mail.sending_lease()
    db.session.commit()
    run_jobs(app)
    assert smtp.messages == []

    clock.advance(30)
    assert redispatch_pending() == 0  # still within the lease
    clock.advance(31)
    assert redispatch_pending() == 1
    run_jobs(app)
    [row] = outbox_rows()
    assert row.status is OutboxStatus.sent and row.attempts == 2
    assert [m["Message-ID"] for m in smtp.messages] == [message_id]  # a receiver can drop a duplicate
