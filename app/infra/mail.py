"""E-mails: French templates written to the outbox, sent after commit.

``queue_email`` renders ``templates/emails/<template>.html`` and ``.txt`` and
adds an ``OutboxMessage`` to ``db.session`` in the caller's transaction. Session
events collect the new rows and, once that transaction commits, enqueue one
``app.jobs.deliver_outbox_message`` job per row (a rollback drops them; a Redis
outage leaves them pending). ``send_outbox_message`` claims the row (status
check under a row lock, so a row is never sent twice), sends it by SMTP or
writes it as a .eml file when ``MAIL_SERVER`` is unset, and records the
outcome: sent; pending again with a back-off; failed after
``MAIL_MAX_ATTEMPTS`` (retried by hand from the console). The periodic
``app.jobs.redispatch_pending`` re-dispatches pending rows whose next attempt
is due, so nothing is lost when Redis or SMTP is down.

Delivery is at least once. « sent » is committed as soon as the server has
accepted the message (its answer to the end of DATA), before QUIT: a worker
that dies after that commit cannot send it again, and a failing QUIT changes
nothing. A worker that dies while sending leaves the row « sending »; the
re-dispatch takes it again once its lease (``MAIL_SENDING_LEASE`` seconds)
has expired, with the same Message-ID, so that a receiving server may drop
the duplicate. When recording « sent » fails (the database connection was
cut during the SMTP dialogue), it is tried again on a fresh connection for
15 s (``REPRISES_ENVOYE``) instead of leaving the row « sending ». A
duplicate remains possible only if the worker dies, or the database stays
unreachable for those 15 s, between the server's acceptance and that commit.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from secrets import token_hex

import sqlalchemy as sa
from flask import current_app, render_template
from markupsafe import escape
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.base import utcnow
from app.models.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: Delay (seconds) before the next attempt, after attempt 1, 2, ... (the last one repeats).
RETRY_BACKOFF = (60, 5 * 60, 15 * 60, 60 * 60, 4 * 60 * 60)
#: A new row is left to its own job this long before the periodic re-dispatch takes it.
FIRST_DISPATCH_GRACE = timedelta(minutes=2)
#: Clock skew accepted between the hosts that schedule and run attempts.
CLOCK_TOLERANCE = timedelta(seconds=5)

# Outcomes of ``send_outbox_message``.
SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"

_DISPATCH_KEY = "outbox_dispatch"  # session.info: {message id: attempts already made}
_URL_RE = re.compile(r"https?://[^\s<>\"']+")


class MailDeliveryError(Exception):
    """An attempt failed and another one is planned (recorded on the row)."""


def now() -> datetime:
    """Naive UTC now; the one clock of the outbox (tests move it forward)."""
    return utcnow()


def sending_lease() -> timedelta:
    """A row stuck in "sending" longer than this (its worker died) is attempted
    again (``MAIL_SENDING_LEASE``; longer than one attempt may take)."""
    return timedelta(seconds=current_app.config["MAIL_SENDING_LEASE"])


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return RETRY_BACKOFF[min(max(attempts, 1), len(RETRY_BACKOFF)) - 1]


def retry_policy(attempts_done: int, max_attempts: int) -> Retry | None:
    """rq retries matching the outbox back-off for the attempts still allowed."""
    remaining = max_attempts - attempts_done - 1
    if remaining < 1:
        return None
    return Retry(max=remaining, interval=[backoff(n) for n in range(attempts_done + 1, max_attempts)])


# -- secrets: used to send, never stored in clear ------------------------------
class Secret(str):
    """A value of an e-mail's context that must not be kept in the outbox
    (a link with a token, a provisional password): the stored bodies (shown in
    the console for 90 days) hold a mark instead, the value is kept encrypted
    beside them and dropped once the e-mail is sent."""


def _masquer(context: dict) -> dict[str, str]:
    """Replace the ``Secret`` values of ``context`` by marks; {mark: value}."""
    secrets = {}
    for cle, valeur in context.items():
        if isinstance(valeur, Secret):
            marque = f"[masqué-{token_hex(4)}]"
            secrets[marque] = str(valeur)
            context[cle] = marque
    return secrets


def reveler(row: OutboxMessage, html: bool = False) -> str:
    """A body as sent: the marks replaced by the secrets (while kept)."""
    corps = row.body_html if html else row.body_text
    for marque, valeur in json.loads(row.secrets_chiffres or "{}").items():
        corps = corps.replace(marque, str(escape(valeur)) if html else valeur)
    return corps


# -- writing to the outbox ---------------------------------------------------
def queue_email(to: str | list[str], template: str, subject: str, **context) -> OutboxMessage:
    """Render an e-mail and add it to the outbox in the current transaction
    (no commit here: the caller's commit sends it, its rollback drops it)."""
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [address.strip() for address in recipients if address and address.strip()]
    if not recipients:
        raise ValueError("E-mail sans destinataire.")
    for address in recipients:
        if "@" not in parseaddr(address)[1] or any(c in address for c in "\r\n,"):
            raise ValueError(f"Adresse e-mail invalide : {address!r}")
    subject = " ".join(subject.split())
    config = current_app.config
    context.update(subject=subject, base_url=config["PUBLIC_BASE_URL"].rstrip("/"))
    secrets = _masquer(context)
    message = OutboxMessage(
        recipients=", ".join(recipients),
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", **context),
        template=template,
        message_id=make_msgid(domain=_sender_domain(config["MAIL_DEFAULT_SENDER"])),
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now() + FIRST_DISPATCH_GRACE,
        secrets_chiffres=json.dumps(secrets) if secrets else None,
    )
    db.session.add(message)
    return message


def schedule_dispatch(session: Session, pending: dict[int, int]) -> None:
    """Dispatch these rows ({id: attempts made}) once ``session`` commits."""
    session.info.setdefault(_DISPATCH_KEY, {}).update(pending)


def resend(message_ids) -> int:
    """Put failed rows back to pending with a fresh attempt budget; they are
    dispatched when the caller commits."""
    rows = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == OutboxStatus.failed
        )
    ).all()
    for row in rows:
        row.status = OutboxStatus.pending
        row.attempts = 0
        row.next_attempt_at = now() + FIRST_DISPATCH_GRACE
    schedule_dispatch(db.session, {row.id: 0 for row in rows})
    return len(rows)


def _collect_new_messages(session: Session, flush_context) -> None:
    new = {obj.id: 0 for obj in session.new if isinstance(obj, OutboxMessage)}
    if new:
        schedule_dispatch(session, new)


def _dispatch_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: wait for the real commit
    pending = session.info.pop(_DISPATCH_KEY, None)
    if pending:
        dispatch(pending)


def _forget_on_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_DISPATCH_KEY, None)


def init_session_events() -> None:
    """Hook the outbox on Flask-SQLAlchemy's session (once per process)."""
    for name, listener in (
        ("after_flush", _collect_new_messages),
        ("after_commit", _dispatch_after_commit),
        ("after_transaction_end", _forget_on_rollback),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# -- dispatching -------------------------------------------------------------
#: Puts one row's delivery on the « mail » queue: ``livrer(message_id, retry=…)``.
#: The outbox sits under the jobs that send it, so ``app.jobs`` declares it
#: when it is imported (``declarer_livraison``), as the factory and the worker do.
_livrer = None


def declarer_livraison(livrer) -> None:
    """Declare how a row is handed to the delivery job (``app.jobs``)."""
    global _livrer
    _livrer = livrer


def dispatch(pending: dict[int, int]) -> None:
    """Enqueue one delivery job per row; never raises (the caller's
    transaction is already committed: a failure leaves the row pending)."""
    if _livrer is None:
        raise RuntimeError("Aucune livraison des e-mails déclarée : importer app.jobs (la fabrique le fait).")
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    for message_id, attempts in pending.items():
        try:
            _livrer(message_id, retry=retry_policy(attempts, max_attempts))
        except MailDeliveryError as exc:
            log.warning("%s", exc)
        except RedisError as exc:
            log.warning(
                "File de tâches indisponible (%s) : %d e-mail(s) restent en attente "
                "et seront renvoyés par la relance périodique.",
                exc,
                len(pending),
            )
            return
        except Exception:
            log.exception("Envoi de l'e-mail n°%s impossible : il reste en attente.", message_id)


def due_messages(limit: int = 500) -> dict[int, int]:
    """Rows to dispatch again: pending (or stuck sending) and due."""
    with _job_session() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts)
            .where(
                OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
                sa.or_(
                    OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.next_attempt_at <= now() + CLOCK_TOLERANCE,
                ),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).all()
    return {row.id: row.attempts for row in rows}


def purge_sent(days: int) -> int:
    """Delete e-mails sent more than ``days`` days ago."""
    with _job_session() as session:
        result = session.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.sent,
                OutboxMessage.sent_at < now() - timedelta(days=days),
            )
        )
        session.commit()
        return result.rowcount


def status_counts() -> dict[OutboxStatus, int]:
    rows = db.session.execute(
        select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


# -- sending -----------------------------------------------------------------
@contextmanager
def _job_session() -> Iterator[Session]:
    """A session of its own for delivery: jobs may run from ``after_commit``,
    where the caller's session can no longer emit SQL."""
    session = db.session.session_factory()
    try:
        yield session
    finally:
        session.close()


@dataclass(frozen=True)
class _Prepared:
    id: int
    recipients: str
    text: str
    email: EmailMessage


def send_outbox_message(message_id: int) -> str:
    """Attempt to send one outbox row; returns SENT, RETRY, FAILED or SKIPPED.

    SKIPPED when the row is gone, already sent or failed, locked by another
    dispatcher, or not due yet (another attempt is planned).
    """
    config = current_app.config
    with _job_session() as session:
        prepared = _claim(session, message_id, config)
        if prepared is None:
            return SKIPPED
        smtp = None
        try:
            if config.get("MAIL_SERVER"):
                smtp = _send_smtp(prepared.email, config)
            else:
                _write_eml(prepared, config)
        except Exception as exc:
            return _record_failure(session, message_id, exc, config["MAIL_MAX_ATTEMPTS"])
        try:
            # Accepted: recorded now, before QUIT (see the module docstring).
            enregistrer_envoye(session, message_id)
        finally:
            if smtp is not None:
                _quit(smtp, prepared.id)
        if smtp is not None:
            log.info("E-mail n°%s envoyé à %s.", prepared.id, prepared.recipients)
        return SENT


#: Seconds to wait before each new attempt to record « sent » once the server
#: has accepted the message (the database may be restarting): 15.5 s in all,
#: well within the sending lease after which the row would be sent again.
REPRISES_ENVOYE = (0.5, 1, 2, 4, 8)


def enregistrer_envoye(session: Session, message_id: int) -> None:
    """Record « sent » after the server's acceptance, again on a fresh
    connection if the first one dropped: a row left « sending » would be
    sent a second time after its lease (issue #34: 5 duplicates when the
    database connections were cut during a fan-out)."""
    valeurs = {"status": OutboxStatus.sent, "sent_at": now(), "next_attempt_at": None,
               "secrets_chiffres": None}  # sent: the secrets are no longer needed
    instruction = sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(**valeurs)
    for attente in (*REPRISES_ENVOYE, None):
        try:
            session.execute(instruction)
            session.commit()
            return
        except sa.exc.DBAPIError as exc:
            if attente is None:
                log.error("E-mail n°%s accepté par le serveur mais « envoyé » non enregistré : %s", message_id, exc)
                raise
            log.warning("E-mail n°%s accepté, enregistrement de l'envoi en échec (%s) : nouvel essai dans %s s "
                        "sur une nouvelle connexion.", message_id, type(exc).__name__, attente)
            try:
                session.rollback()
            except sa.exc.DBAPIError:
                pass
            session.close()  # the next attempt checks out another connection
            time.sleep(attente)


def _claim(session: Session, message_id: int, config) -> _Prepared | None:
    """Mark the row "sending" (one more attempt) if it may be attempted now."""
    row = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update(skip_locked=True)
    ).first()
    current = now()
    if row is None or row.status in (OutboxStatus.sent, OutboxStatus.failed):
        session.rollback()
        return None
    if row.attempts > 0 and row.next_attempt_at and row.next_attempt_at > current + CLOCK_TOLERANCE:
        session.rollback()
        return None
    if row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        row.status = OutboxStatus.failed
        row.next_attempt_at = None
        row.last_error = (row.last_error or "") + "\nEnvoi interrompu : nombre maximal d'essais atteint."
        session.commit()
        log.error("E-mail n°%s en échec : nombre maximal d'essais atteint.", message_id)
        return None
    row.status = OutboxStatus.sending
    row.attempts += 1
    row.next_attempt_at = current + sending_lease()
    prepared = _Prepared(row.id, row.recipients, reveler(row), build_email(row, config))
    session.commit()
    return prepared


def _record_failure(session: Session, message_id: int, exc: Exception, max_attempts: int) -> str:
    row = session.get(OutboxMessage, message_id)
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if _is_permanent(exc) or row.attempts >= max_attempts:
        row.status = OutboxStatus.failed
        row.next_attempt_at = None
        outcome = FAILED
        log.error("E-mail n°%s en échec après %d essai(s) : %s", message_id, row.attempts, row.last_error)
    else:
        row.status = OutboxStatus.pending
        row.next_attempt_at = now() + timedelta(seconds=backoff(row.attempts))
        outcome = RETRY
        log.warning(
            "E-mail n°%s non envoyé (essai %d) : %s ; prochain essai à %s UTC.",
            message_id,
            row.attempts,
            row.last_error,
            f"{row.next_attempt_at:%d/%m/%Y %H:%M:%S}",
        )
    session.commit()
    return outcome


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer about the message or its recipients: retrying cannot help.
    (Authentication errors are not: fixing the configuration may.)"""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def build_email(row: OutboxMessage, config) -> EmailMessage:
    """The MIME message: text with an HTML alternative, UTF-8, from the no-reply sender."""
    email = EmailMessage()
    email["Subject"] = row.subject
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = row.recipients
    email["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    email["Message-ID"] = row.message_id
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a no-reply sender
    email.set_content(reveler(row), cte="quoted-printable")
    email.add_alternative(reveler(row, html=True), subtype="html", cte="quoted-printable")
    return email


def _send_smtp(email: EmailMessage, config) -> smtplib.SMTP:
    """Send ``email`` and return the connection still open: the caller
    records « sent » first, then closes it (``_quit``)."""
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        refused = smtp.send_message(email)
    except BaseException:
        smtp.close()
        raise
    if refused:
        log.warning("E-mail %s : destinataires refusés %s", email["Message-ID"], ", ".join(refused))
    return smtp


def _quit(smtp: smtplib.SMTP, message_id: int) -> None:
    """Close the connection of a message already accepted and recorded: an
    error here is only logged (the message is sent, it is not retried)."""
    try:
        smtp.quit()
    except Exception as exc:  # noqa: BLE001 - the message is already accepted
        log.info("E-mail n°%s : fermeture de la connexion SMTP en erreur (%s), message déjà accepté.", message_id, exc)
    finally:
        smtp.close()


def _write_eml(prepared: _Prepared, config) -> Path:
    """Embedded default: the e-mail becomes a file and its links are logged."""
    directory = Path(config["MAIL_FILE_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{now():%Y%m%d-%H%M%S}-{prepared.id:06d}.eml"
    partial = path.with_suffix(".eml.part")
    partial.write_bytes(prepared.email.as_bytes())
    partial.replace(path)
    log.info("E-mail n°%s « %s » pour %s écrit dans %s", prepared.id, prepared.email["Subject"], prepared.recipients, path)
    for url in links_in(prepared.text):
        log.info("Lien de l'e-mail n°%s : %s", prepared.id, url)
    return path


def links_in(text: str) -> list[str]:
    return [url.rstrip(".,;:!?)»") for url in _URL_RE.findall(text)]


def _sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"
