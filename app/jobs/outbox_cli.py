"""``flask outbox ...``: look at the outbox and push it by hand.

Without Redis (embedded default) nothing re-dispatches pending e-mails
periodically: ``flask outbox redispatch`` does it (it may be run from cron).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.infra.formatting import format_heure
from app.infra.mail import status_counts
from app.jobs import redispatch_pending
from app.models.outbox import OutboxMessage, OutboxStatus

outbox_cli = AppGroup("outbox", help="Boîte d'envoi des e-mails (outbox).")


@outbox_cli.command("redispatch")
def outbox_redispatch() -> None:
    """Renvoyer les e-mails en attente dont le prochain essai est dû."""
    count = redispatch_pending()
    click.echo(f"{count} e-mail(s) relancé(s).")


@outbox_cli.command("status")
@click.option("--limit", default=10, show_default=True, help="Nombre d'e-mails en échec listés.")
def outbox_status(limit: int) -> None:
    """Nombre d'e-mails par statut, et les derniers en échec."""
    for status, count in status_counts().items():
        click.echo(f"{status.libelle:<18} {count}")
    failed = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.failed)
        .order_by(OutboxMessage.created_at.desc())
        .limit(limit)
    ).all()
    if failed:
        click.echo("\nDerniers e-mails en échec :")
        for message in failed:
            error = (message.last_error or "").splitlines()[0] if message.last_error else ""
            click.echo(f"  n°{message.id} {format_heure(message.created_at)} (heure de Paris) {message.recipients} – {error}")
