"""Periodic jobs, declared once, for the ``rq cron`` scheduler.

Started (one process for the whole platform) with::

    rq cron --url "$REDIS_URL" app.cron

The scheduler only enqueues; the jobs run on the ``rq worker`` processes (see
``app.jobs``). Intervals are in seconds, ``cron`` strings in the scheduler
host's local time. Without Redis (embedded default) nothing runs periodically:
``flask outbox redispatch`` does the re-dispatch by hand.
"""

from __future__ import annotations

from rq import cron

from app.jobs import purge_sent_messages, redispatch_pending

# E-mails whose next attempt is due (SMTP or Redis was down, a worker died).
cron.register(redispatch_pending, queue_name="mail", interval=60, job_timeout=600)

# Sent e-mails past their retention period (personal data).
cron.register(purge_sent_messages, queue_name="default", cron="30 3 * * *")
