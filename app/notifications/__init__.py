"""Notifications triggered by workflow transitions (e-mails via the outbox).

Receivers listen to ``app.workflows.core.transition_effectuee`` and only call
``queue_email``: the e-mail is written in the transaction of the transition and
leaves after the caller commits. Blinker signals are global, so receivers are
connected once per process whatever the number of ``create_app`` calls.
"""

from __future__ import annotations

from app.extensions import db
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.models.comptes import Gestionnaire
from app.notifications import annonces as notifications_annonces
from app.notifications import interventions as notifications_interventions
from app.workflows.core import transition_effectuee
from app.workflows.inscription import inscription

#: Inscription decisions that are e-mailed to the intervenant, with their subject.
SUJETS_DECISION_INSCRIPTION = {
    "valider": "Votre inscription à l'Espace Intervenants du CNFPT est validée",
    "rejeter": "Votre demande d'inscription à l'Espace Intervenants du CNFPT n'a pas été retenue",
    "demander_complement": "Votre demande d'inscription : un complément d'information est nécessaire",
}


def init_app(app) -> None:
    # Same receiver, same sender: blinker keeps a single registration.
    transition_effectuee.connect(notifier_decision_inscription, sender=inscription, weak=False)
    transition_effectuee.connect(notifier_transmission_inscription, sender=inscription, weak=False)
    # Annonces and candidatures (issue #5): alerts on publication, decisions.
    notifications_annonces.init_app(app)
    # Lettres de demande (issue 23): the intervenant is told when one is sent.
    notifications_interventions.init_app(app)


def notifier_decision_inscription(sender, *, obj, transition, history, actor, **extra) -> None:
    """Validation, rejection or request for a complément: tell the intervenant."""
    subject = SUJETS_DECISION_INSCRIPTION.get(transition.event)
    if subject is None or obj.user is None or not obj.user.email:
        return
    queue_email(
        obj.user.email,
        "inscription_decision",
        subject,
        intervenant=obj,
        evenement=transition.event,
        commentaire=history.commentaire,
        structure=obj.structure.nom if obj.structure else None,
        lien=external_url("MonProfilView.show"),
    )


def notifier_transmission_inscription(sender, *, obj, transition, history, actor, **extra) -> None:
    """A request is transmitted: each gestionnaire of its structure is told (issue #4)."""
    if transition.event != "transmettre" or obj.structure_id is None:
        return
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import select


    emails = db.session.scalars(
        select(User.email)
        .join(Gestionnaire, Gestionnaire.user_id == User.id)
        .where(Gestionnaire.structure_id == obj.structure_id, User.active.is_(True))
    ).all()
    lien = external_url("DemandeInscriptionView.show", pk=obj.id)
    for email in emails:
        queue_email(
            email,
            "inscription_transmise",
            f"Nouvelle demande d'inscription : {obj.prenom} {obj.nom_usage}",
            intervenant=obj,
            structure=obj.structure.nom if obj.structure else None,
            lien=lien,
        )


