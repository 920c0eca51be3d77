"""Jobs: inline without Redis; real rq queues, workers, retries and cron with it.

Redis-only tests are skipped unless TEST_REDIS_URL is set (the suite then runs
with ``REDIS_URL`` pointing at it, on a dedicated database number).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import current_app
from rq import Retry
from rq.cron import CronScheduler
from rq.job import Job, JobStatus

from app import jobs
from app.extensions import db
from app.infra import mail
from app.models.outbox import OutboxMessage, OutboxStatus
from tests.outils import mails
from tests.outils.mails import outbox_rows, queue_test_email, run_jobs

# Fixtures shared with other test modules (tests/outils/mails.py).
clock = mails.clock
rq_queues = mails.rq_queues
smtp = mails.smtp
smtp_down = mails.smtp_down
smtp_server = mails.smtp_server

ROOT = Path(__file__).resolve().parents[2]
redis_only = pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL non défini")


def add(a, b, *, c=0):
    return a + b + c


# -- inline (embedded default) -----------------------------------------------
def test_enqueue_runs_inline_without_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    assert jobs.enqueue(add, 1, 2, queue="mail", retry=Retry(max=2, interval=[1, 2]), c=3) == 6


def test_enqueue_refuses_an_unknown_queue(app):
    with pytest.raises(ValueError, match="inconnue"):
        jobs.enqueue(add, 1, 2, queue="mails")


def test_a_job_reuses_the_current_app(app):
    @jobs.job
    def which_app():
        return current_app._get_current_object()

    assert which_app() is app


def test_a_job_without_app_builds_one_once_per_process(app, monkeypatch):
    """What happens in a worker process: no app context, ``create_app()``."""
    built = []

    def fake_create_app():
        built.append(1)
        return app

    monkeypatch.setattr("app.create_app", fake_create_app)
    monkeypatch.setattr(jobs, "_worker_app", None)

    @jobs.job
    def which_app():
        return current_app._get_current_object()

    results = []
    for _ in range(2):  # a thread starts without any Flask context
        thread = threading.Thread(target=lambda: results.append(which_app()))
        thread.start()
        thread.join()
    assert results == [app, app]
    assert built == [1]


def test_retry_policy_matches_the_outbox_back_off():
    retry = mail.retry_policy(0, 6)
    assert retry.max == 5
    assert retry.intervals == [mail.backoff(n) for n in range(1, 6)]
    assert mail.retry_policy(2, 6).intervals == [mail.backoff(n) for n in range(3, 6)]
    assert mail.retry_policy(5, 6) is None
    assert [mail.backoff(n) for n in (1, 2, 3)] == sorted({mail.backoff(n) for n in (1, 2, 3)})


def test_cron_module_declares_the_periodic_jobs():
    from redis import Redis

    scheduler = CronScheduler(connection=Redis())  # no connection is opened to load the config
    scheduler.load_config_from_file("app.jobs.cron")
    declared = {job.func_name: job for job in scheduler._cron_jobs}
    assert declared["app.jobs.redispatch_pending"].interval == 60
    assert declared["app.jobs.redispatch_pending"].queue_name == "mail"
    assert declared["app.jobs.purge_sent_messages"].cron == "30 3 * * *"


# -- Redis and real rq workers --------------------------------------------------
@redis_only
def test_enqueue_goes_through_redis_and_a_worker(app):
    job = jobs.enqueue(add, 1, 2, queue="default", c=4)
    assert isinstance(job, Job)
    assert job.get_status() == JobStatus.QUEUED
    run_jobs(app)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 7


@redis_only
def test_smtp_failure_is_retried_by_rq_with_back_off(app, smtp_down, smtp_server, clock, monkeypatch):
    queue_test_email()
    db.session.commit()
    mail_queue = jobs.get_queue("mail")
    [job_id] = mail_queue.job_ids
    job = Job.fetch(job_id, connection=jobs.redis_connection())
    assert job.retries_left == app.config["MAIL_MAX_ATTEMPTS"] - 1

    run_jobs(app)  # attempt 1: SMTP refuses the connection

    job.refresh()
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == app.config["MAIL_MAX_ATTEMPTS"] - 2
    registry = mail_queue.scheduled_job_registry
    delay = (registry.get_scheduled_time(job) - datetime.now(UTC)).total_seconds()
    assert mail.backoff(1) - 10 < delay <= mail.backoff(1) + 1
    [row] = outbox_rows()
    assert (row.status, row.attempts) == (OutboxStatus.pending, 1)
    assert abs((row.next_attempt_at - clock.now()).total_seconds() - mail.backoff(1)) < 10

    # The back-off has elapsed and SMTP is back: rq's scheduler runs the retry.
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    clock.advance(mail.backoff(1))
    registry.schedule(job, datetime.now(UTC))
    run_jobs(app, with_scheduler=True)

    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == mail.SENT
    [row] = outbox_rows()
    assert (row.status, row.attempts) == (OutboxStatus.sent, 2)
    assert len(smtp_server.messages) == 1


@redis_only
def test_a_retry_that_is_not_due_does_not_attempt_again(app, smtp_down, clock):
    """rq's retry and the periodic re-dispatch may both fire: only a due one sends."""
    queue_test_email()
    db.session.commit()
    run_jobs(app)
    [row] = outbox_rows()
    assert mail.send_outbox_message(row.id) == mail.SKIPPED  # back-off not elapsed
    assert outbox_rows()[0].attempts == 1


@redis_only
def test_cron_enqueues_the_redispatch_which_sends_due_rows(app, smtp, clock):
    row = queue_test_email()
    db.session.flush()
    db.session.info.pop("outbox_dispatch", None)  # as if Redis had been down at commit
    db.session.commit()
    clock.advance(mail.FIRST_DISPATCH_GRACE.total_seconds())

    scheduler = CronScheduler(connection=jobs.redis_connection())
    scheduler.load_config_from_file("app.jobs.cron")
    enqueued = scheduler.enqueue_jobs()
    assert "app.jobs.redispatch_pending" in {job.func_name for job in enqueued}
    run_jobs(app)  # the redispatch job, then the delivery job it enqueued

    assert db.session.get(OutboxMessage, row.id).status is OutboxStatus.sent
    assert len(smtp.messages) == 1


@redis_only
def test_a_real_rq_worker_process_delivers_the_outbox(app, tmp_path):
    """End to end, out of process: ``rq worker --worker-class app.jobs.AppWorker``
    on a database of its own (the test transaction is invisible to it)."""
    from app import create_app

    database = f"sqlite:///{tmp_path / 'worker.db'}"
    mail_dir = tmp_path / "mail"
    other = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database,
        MAIL_FILE_DIR=str(mail_dir),
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    with other.app_context():
        db.create_all()
        message_id = queue_test_email().message_id
        db.session.commit()  # enqueued on Redis, not sent
        assert db.session.query(OutboxMessage).one().status is OutboxStatus.pending
        db.session.remove()

    env = dict(
        os.environ,
        APP_CONFIG="testing",
        TEST_DATABASE_URL=database,
        MAIL_FILE_DIR=str(mail_dir),
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        INSTANCE_PATH=str(tmp_path),
    )
    rq = Path(sys.executable).with_name("rq")
    result = subprocess.run(
        [str(rq), "worker", "--burst", "--url", app.config["REDIS_URL"], "--worker-class", "app.jobs.AppWorker",
         "--with-scheduler", "mail", "default"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]

    with other.app_context():
        row = db.session.query(OutboxMessage).one()
        assert row.status is OutboxStatus.sent, row.last_error
        assert row.message_id == message_id
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    assert len(list(mail_dir.glob("*.eml"))) == 1
