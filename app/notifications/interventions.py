"""Receivers of the lettre de demande workflow (issue 23): the intervenant is
told by e-mail when a lettre is sent (or sent again) to it; on its online
answer (issue 37, point 6) both sides are: the intervenant gets the
confirmation, the structure's gestionnaires the answer. All in the
transaction of the transition (outbox)."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.models.comptes import Gestionnaire
from app.workflows.core import transition_effectuee
from app.workflows.intervention import lettre

SUJET_LETTRE = "Votre lettre de demande n° {numero} du CNFPT"
SUJETS_REPONSE = {
    "accepter_en_ligne": ("Vous avez accepté la lettre de demande n° {numero}",
                          "Lettre de demande n° {numero} acceptée en ligne par {nom}"),
    "refuser_en_ligne": ("Vous avez refusé la lettre de demande n° {numero}",
                         "Lettre de demande n° {numero} refusée par {nom}"),
}


def init_app(app) -> None:
    transition_effectuee.connect(notifier_lettre_envoyee, sender=lettre, weak=False)
    transition_effectuee.connect(notifier_reponse_en_ligne, sender=lettre, weak=False)


def notifier_lettre_envoyee(sender, *, obj, transition, history, actor, **extra) -> None:
    if transition.event not in ("envoyer", "renvoyer"):
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


def notifier_reponse_en_ligne(sender, *, obj, transition, history, actor, **extra) -> None:
    """The intervenant's online answer: a confirmation to them, the answer to
    each active gestionnaire of the intervention's structure."""
    sujets = SUJETS_REPONSE.get(transition.event)
    if sujets is None:
        return
    intervention = obj.intervention
    intervenant = intervention.intervenant
    nom = f"{intervenant.prenom} {intervenant.nom_usage}"
    contexte = {"lettre": obj, "intervention": intervention, "intervenant": intervenant,
                "acceptee": transition.event == "accepter_en_ligne", "motif": history.commentaire}
    if intervenant.user is not None and intervenant.user.email:
        queue_email(intervenant.user.email, "lettre_reponse", sujets[0].format(numero=obj.numero),
                    pour_structure=False, lien=external_url("MesInterventionsView.fiche", numero=obj.numero),
                    **contexte)
    emails = db.session.scalars(
        select(User.email).join(Gestionnaire, Gestionnaire.user_id == User.id)
        .where(Gestionnaire.structure_id == intervention.structure_id, User.active.is_(True))
        .order_by(User.id)
    ).all()
    lien = external_url("LettreGestionView.show", pk=obj.id)
    for email in emails:
        queue_email(email, "lettre_reponse", sujets[1].format(numero=obj.numero, nom=nom), pour_structure=True,
                    lien=lien, **contexte)
