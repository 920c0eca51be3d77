"""Receivers of the lettre de demande workflow (issue 23): the intervenant is
told by e-mail when a lettre is sent to it, in the transaction of the sending."""

from __future__ import annotations

from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.workflows.core import transition_effectuee
from app.workflows.intervention import lettre

SUJET_LETTRE = "Votre lettre de demande n° {numero} du CNFPT"


def init_app(app) -> None:
    transition_effectuee.connect(notifier_lettre_envoyee, sender=lettre, weak=False)


def notifier_lettre_envoyee(sender, *, obj, transition, history, actor, **extra) -> None:
    if transition.event != "envoyer":
        return
    intervention = obj.intervention
    user = intervention.intervenant.user
    if user is None or not user.email:
        return
    queue_email(
        user.email,
        "lettre_demande",
        SUJET_LETTRE.format(numero=obj.numero),
        intervenant=intervention.intervenant,
        lettre=obj,
        intervention=intervention,
        lien=external_url("MesInterventionsView.liste"),
    )
