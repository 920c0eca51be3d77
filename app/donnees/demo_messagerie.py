"""Demo conversations of the messagerie (issue 21): a few validated
intervenants write to a gestionnaire they may write to and get an answer
(one left unread), and two gestionnaires exchange. Idempotent: nothing is
written when a demo message exists. Every message goes through the rule
(``app.operations.messagerie.ecrire``)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.models.messagerie import Message
from app.operations.messagerie import MessagerieRefusee, correspondants, ecrire, lire

CONVERSATIONS = [
    ("Disponibilités pour la session de mars",
     "Bonjour,\nJe suis disponible les 12 et 13 mars pour la session prévue.\nBien cordialement,",
     "Bonjour,\nMerci, je vous confirme les deux journées. La convention suit.\nCordialement,"),
    ("Question sur ma candidature",
     "Bonjour,\nPouvez-vous me dire où en est l'étude de ma candidature ?\nMerci,",
     "Bonjour,\nVotre candidature est en cours d'étude, nous revenons vers vous sous quinze jours."),
    ("Support de formation",
     "Bonjour,\nVous trouverez mon support de formation mis à jour sur l'espace habituel.\nCordialement,",
     "Bien reçu, merci beaucoup."),
]


def load_demo_messagerie(gestionnaires: dict) -> None:
    if db.session.scalar(select(Message.id).limit(1)) is not None:
        return
    intervenants = db.session.scalars(
        select(Intervenant.user_id).where(Intervenant.etat_inscription == EtatInscription.validee)
        .order_by(Intervenant.id).limit(len(CONVERSATIONS))).all()
    gestionnaire_ids = set(db.session.scalars(select(Gestionnaire.user_id)))
    for k, (user_id, (objet, question, reponse)) in enumerate(zip(intervenants, CONVERSATIONS, strict=False)):
        possibles = [i for i, _ in db.session.execute(correspondants(user_id)) if i in gestionnaire_ids]
        if not possibles:
            continue
        try:
            message = ecrire(user_id, [possibles[0]], objet, question, envoyer=True)
            lire(possibles[0], message.id)
            retour = ecrire(possibles[0], [], f"RE : {objet}", reponse, envoyer=True, reponse_a=message.id)
            if k:  # the first answer stays unread (the badge shows it)
                lire(user_id, retour.id)
        except MessagerieRefusee:
            continue
    codes = list(gestionnaires)
    if len(codes) >= 2:
        try:
            ecrire(gestionnaires[codes[0]].id, [gestionnaires[codes[1]].id], "Partage d'un formateur",
                   "Bonjour,\nJe te recommande un intervenant validé chez nous pour ton action de mai.\nBonne journée,",
                   envoyer=True)
        except MessagerieRefusee:
            pass
    db.session.commit()
