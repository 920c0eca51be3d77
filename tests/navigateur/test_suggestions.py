"""Issue 37 in chromium: an annonce published, its « Intervenants suggérés »
with their reasons, two of them invited, each one sees the invitation on
the annonce and on the tableau de bord, and got one e-mail. Every page is
checked by axe-core."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from tests.navigateur.conftest import base, connecter


def test_publier_suggerer_inviter_deux(app, factory, visite):
    from app.models.annonces import EtatAnnonce
    from app.models.outbox import OutboxMessage
    from app.workflows.annonce import annonce as workflow_annonce
    from app.workflows.core import Acteur
    from tests.outils.annonces import creer_annonce
    from tests.outils.suggestions import formateur

    with base():
        gestionnaire = factory.gestionnaire("DR-84", first="Claire", last="Martin")
        invites = [formateur(factory, first=prenom, last="Budget", texte="préparation budgétaire")[0]
                   for prenom in ("Alice", "Bruno")]
        formateur(factory, first="Chloé", last="Budget")
        annonce = creer_annonce(etat=EtatAnnonce.brouillon, specialites=("FI",), sous_specialites=("FI1",),
                                intitule="Préparation budgétaire")
        workflow_annonce.apply(annonce, "publier", Acteur.from_user(gestionnaire))
        numero, annonce_id = annonce.numero, annonce.id

    connecter(visite, app, gestionnaire)
    page = visite.aller(f"/gestion/annonces/show/{annonce_id}")
    page.get_by_role("link", name="Intervenants suggérés").click()
    visite.verifier()
    tableau = page.locator("#suggestions")
    assert tableau.get_by_text("spécialité en commun : Préparation et exécution budgétaire").first.is_visible()
    for user in invites:
        page.get_by_label(f"{user.first_name} {user.last_name}").check()
    page.get_by_role("button", name="Inviter à candidater").click()
    visite.verifier()
    assert page.get_by_text("2 intervenant(s) invité(s)").is_visible()
    assert page.locator("#invites").get_by_text("Alice Budget").is_visible()
    # the annonce's page lists who was invited
    page.get_by_role("link", name="Retour à l'annonce").click()
    visite.verifier()
    assert page.locator("#invites").get_by_text("Bruno Budget").is_visible()

    for user in invites:
        visite.contexte.clear_cookies()
        connecter(visite, app, user)
        page = visite.aller("/mes-reponses-aux-annonces/")
        assert page.get_by_role("heading", name="Vous avez été invité(e) à candidater").is_visible()
        page.get_by_role("link", name=re.compile(numero)).first.click()
        visite.verifier()
        assert page.get_by_text("Vous avez été invité(e) à candidater").is_visible()
        with base():
            assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.recipients == user.email, OutboxMessage.template == "invitation_annonce")) == 1
