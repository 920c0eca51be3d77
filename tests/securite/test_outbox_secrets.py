"""No usable secret in the stored e-mails (issue 19, point 3): the outbox
keeps marks instead of token links and provisional passwords, the values
encrypted beside them until sent; retries still send the real values."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from app.extensions import db
from app.infra import mail
from app.models.outbox import OutboxMessage, OutboxStatus
from tests.conftest import corps_envoye, page_text
from tests.outils.comptes import _grant_provisional
from tests.outils.mails import clock, parts, rq_queues, run_jobs, smtp_server  # noqa: F401

JETON = "JetonSecret-0123456789abcdef"
LIEN = f"http://localhost/compte/personnaliser/{JETON}?a=1&b=2"


def _brut(message_id: int) -> str:
    """The row as the database holds it (the console and a dump see this)."""
    ligne = db.session.execute(
        text("SELECT body_text, body_html, secrets_chiffres FROM outbox_message WHERE id = :id"), {"id": message_id}
    ).one()
    return " ".join(str(v) for v in ligne)


def test_provisional_password_is_not_stored_nor_shown_in_the_console(app, factory, login_as):
    user, _ = factory.intervenant()
    password = _grant_provisional(app, factory, user)
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipients == "nouvelle@example.test").order_by(OutboxMessage.id.desc())
    )
    assert password not in _brut(message.id)
    assert "[masqué-" in message.body_text and "[masqué-" in message.body_html
    details = page_text(login_as("admin_national").get(f"/backoffice/bo_outbox/details/?id={message.id}"))
    assert "Mot de passe : [masqué-" in details and password not in details
    assert f"Mot de passe : {password}" in corps_envoye(message)  # the recipient got it


def test_secret_link_kept_encrypted_for_retries_then_dropped(app, monkeypatch, smtp_server, clock):  # noqa: F811
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # SMTP down: the first attempt fails
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    message = mail.queue_email("helene.dupre@example.test", "compte_personnalisation",
                               "Votre compte sur l'Espace intervenants", prenom="Hélène", nom="DUPRÉ",
                               structure=None, lien=mail.Secret(LIEN))
    db.session.commit()
    run_jobs(app)
    db.session.refresh(message)
    assert message.status == OutboxStatus.pending and message.attempts == 1
    assert JETON not in _brut(message.id)  # neither the bodies nor the encrypted secrets show it
    assert message.secrets_chiffres is not None

    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    clock.advance(mail.backoff(1) + 1)
    assert mail.send_outbox_message(message.id) == mail.SENT
    (recu,) = smtp_server.messages
    texte, html = parts(recu)
    assert LIEN in texte and LIEN.replace("&", "&amp;") in html
    db.session.refresh(message)
    assert message.status == OutboxStatus.sent and message.secrets_chiffres is None
    assert JETON not in _brut(message.id)
    assert re.search(r"\[masqué-[0-9a-f]{8}\]", message.body_text)
