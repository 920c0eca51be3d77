"""Demonstration support requests (issue 22): for each demo structure one
request « à traiter », one « complément demandé » and one « clôturée », and
one addressed to « Administrateur national ». Made through the operations
and the workflow (numbers, history, e-mails in the outbox); loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.comptes import Gestionnaire
from app.models.referentiels import TypeDemandeSupport
from app.models.support import DemandeSupport
from app.operations import support as operations
from app.workflows.core import Acteur

DOMAINE = "demo.espace-intervenants.fr"


def load_demo_support(gestionnaires: dict) -> None:
    if db.session.scalar(select(func.count()).select_from(DemandeSupport)):
        return
    types = {t.code: t.id for t in db.session.scalars(select(TypeDemandeSupport))}
    for code, gestionnaire in gestionnaires.items():
        acteur = Acteur.from_user(gestionnaire)
        for suite, sujet in ((None, "Pb de mot de passe"), ("demander_complement", "Changement d'employeur"),
                             ("cloturer", "Question sur une annonce")):
            demande, _ = operations.creer(
                type_id=types["CONNEXION"], structure_id=gestionnaire_structure(gestionnaire),
                nom="Duchamp", prenom="Marcel", email=f"marcel.duchamp.{code.lower()}@{DOMAINE}",
                sujet=sujet, descriptif="J'ai changé d'adresse de messagerie. Comment dois-je faire ?")
            operations.confirmer(demande)
            if suite:
                operations.repondre(demande, suite, "Merci de nous préciser votre situation."
                                    if suite == "demander_complement" else "Réponse apportée par la structure.", acteur)
    demande, _ = operations.creer(
        type_id=types["REACTIVATION"], structure_id=None, nom="Leroy", prenom="Louis",
        email=f"louis.leroy.archive@{DOMAINE}", sujet="Réactivation de mon compte",
        descriptif="Mon compte a été archivé, je souhaite le réactiver.")
    operations.confirmer(demande)
    db.session.commit()


def gestionnaire_structure(user) -> int:
    return db.session.scalar(select(Gestionnaire.structure_id).where(Gestionnaire.user_id == user.id))
