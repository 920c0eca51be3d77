"""Issue 37 point 6 in chromium: the intervenant opens its sent lettre from
« Mes interventions », reads it, is refused with a wrong password (the
message next to the field, the commitment still ticked), accepts it, and
downloads the accepted PDF; both sides get one e-mail. Every page is
checked by axe-core."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models.interventions import EtatLettre
from app.models.outbox import OutboxMessage
from app.operations.lettres import MESSAGE_MOT_DE_PASSE
from tests.conftest import PASSWORD
from tests.navigateur.conftest import base, connecter
from tests.outils.interventions import lettre_envoyee


def test_l_intervenant_accepte_sa_lettre_en_ligne(app, factory, visite):
    with base():
        gestionnaire, user, lettre = lettre_envoyee(factory)
        numero = lettre.numero
    connecter(visite, app, user)
    page = visite.aller("/mes-interventions/")
    page.get_by_role("link", name=numero, exact=True).click()
    visite.verifier()
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Lire la lettre de demande (PDF)").click()
    assert telechargement.value.path().read_bytes().startswith(b"%PDF")
    # a wrong password: the message next to the field, the commitment kept
    page.get_by_label(re.compile("J'ai lu la lettre de demande")).check()
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Accepter la lettre de demande").click()
    visite.verifier()
    assert page.locator("#secret-erreur").inner_text() == MESSAGE_MOT_DE_PASSE
    assert page.get_by_label(re.compile("J'ai lu la lettre de demande")).is_checked()
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Accepter la lettre de demande").click()
    visite.verifier()
    assert page.get_by_text("Vous avez accepté la lettre de demande.").is_visible()
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger la lettre acceptée (PDF)").click()
    assert telechargement.value.path().read_bytes().startswith(b"%PDF")
    with base():
        db.session.expire_all()
        assert lettre.etat == EtatLettre.acceptee
        destinataires = db.session.scalars(select(OutboxMessage.recipients).where(
            OutboxMessage.template == "lettre_reponse").order_by(OutboxMessage.id)).all()
        assert destinataires == [user.email, gestionnaire.email]
