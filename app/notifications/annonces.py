"""Receivers of the annonce and candidature workflows.

Publishing records the alerts (set-based, in the publishing transaction) and
plans their sending after the commit; a processed candidature is e-mailed to
the intervenant.
"""

from __future__ import annotations

from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.jobs.alertes import enregistrer_alertes, init_session_events
from app.workflows.annonce import annonce
from app.workflows.candidature import candidature
from app.workflows.core import transition_effectuee

SUJETS_CANDIDATURE = {
    "etudier": "Votre candidature à l'annonce {numero} a été étudiée",
    "ne_pas_retenir": "Votre candidature à l'annonce {numero} n'a pas été retenue",
}


def init_app(app) -> None:
    init_session_events()
    transition_effectuee.connect(alerter_a_la_publication, sender=annonce, weak=False)
    transition_effectuee.connect(notifier_candidature, sender=candidature, weak=False)


def alerter_a_la_publication(sender, *, obj, transition, history, actor, **extra) -> None:
    if transition.event != "publier":
        return
    enregistrer_alertes(obj.id)


def notifier_candidature(sender, *, obj, transition, history, actor, **extra) -> None:
    subject = SUJETS_CANDIDATURE.get(transition.event)
    user = obj.intervenant.user
    if subject is None or user is None or not user.email:
        return
    queue_email(
        user.email,
        "candidature_decision",
        subject.format(numero=obj.annonce.numero),
        intervenant=obj.intervenant,
        annonce=obj.annonce,
        etat=transition.target.value,
        lien=external_url("MesCandidaturesView.liste"),
    )
