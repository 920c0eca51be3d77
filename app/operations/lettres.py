"""The intervenant's online answer to a lettre de demande (issue 37, point 6;
docs/lettre_acceptation.md): accept it, after confirming their identity and
the commitment, or refuse it with a reason.

What is accepted is the exact PDF sent: its SHA-256 must equal the one
recorded when it was sent (``LettreDemande.sha256_envoye``) and the one of
the page the intervenant read (``sha256_lu``); a lettre changed since must be
sent again first. The state changes only through the lettre's workflow
(``accepter_en_ligne``, ``refuser_en_ligne``): its conditional UPDATE lets one
answer through, whatever the number of clicks. The e-mails to both sides are
written by ``app.notifications.interventions`` in the same transaction.
Nothing here commits (``app.operations.executer``).
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from app.extensions import db
from app.forms.interventions import ENGAGEMENT, MESSAGE_MOTIF, MOTIF_MAX  # noqa: F401  (also read here by the views)
from app.models.authentification import TentativeConnexion
from app.models.base import utcnow
from app.models.comptes import Intervenant
from app.models.fichiers import read_fichier
from app.models.interventions import EtatLettre, Intervention, LettreDemande
from app.operations.interventions import DonneesInvalides, stocker_pdf
from app.operations.lettre_pdf import pdf_accepte
from app.security import auth, deux_facteurs
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite
from app.workflows.intervention import lettre as workflow_lettre

MESSAGE_ENGAGEMENT = "Cochez la case d'engagement pour accepter la lettre de demande."
MESSAGE_MOT_DE_PASSE = "Le mot de passe est incorrect."
MESSAGE_MOT_DE_PASSE_REQUIS = "Saisissez votre mot de passe pour confirmer votre identité."
MESSAGE_CODE = "Le code de vérification est incorrect ou a déjà été utilisé."
MESSAGE_CODE_REQUIS = "Saisissez le code de votre application d'authentification (ou un code de secours)."
MESSAGE_MODIFIEE = ("Cette lettre de demande a été modifiée depuis son envoi : elle ne peut être acceptée qu'une "
                    "fois qu'elle vous aura été envoyée à nouveau. Contactez votre gestionnaire.")
MESSAGE_AUTRE_VERSION = ("La lettre de demande a changé depuis que vous l'avez ouverte : relisez-la avant de "
                         "l'accepter.")
MESSAGE_SANS_PDF = "Cette lettre de demande n'a pas de document à accepter : contactez votre gestionnaire."
MESSAGE_RALENTI = ("Trop de tentatives infructueuses : réessayez dans {minutes} minute(s), ou contactez le support "
                   "« Aide et contact ».")
NOM_FICHIER_ACCEPTE = "lettre-de-demande-{numero}-acceptee.pdf"
#: The attempts log's channel of the confirmations made here.
CANAL = "lettre"


def empreinte(contenu: bytes) -> str:
    return hashlib.sha256(contenu).hexdigest()


def lettre_du_destinataire(numero: str, user) -> LettreDemande | None:
    """The lettre ``numero`` if it was sent to ``user`` (drafts are the
    structure's own work: None, like another person's lettre)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None

    return db.session.scalar(
        sa.select(LettreDemande).join(Intervention).join(Intervenant, Intervenant.id == Intervention.intervenant_id)
        .where(LettreDemande.numero == (numero or "")[:20], Intervenant.user_id == user.id,
               LettreDemande.etat != EtatLettre.brouillon))


def confirmation_par_code(user) -> bool:
    """An account with a second factor confirms with its code, else with its password."""
    return deux_facteurs.actif(user.id)


class IdentiteRefusee(DonneesInvalides):
    """A wrong password or code: ``motif`` is logged as a failed attempt
    (``noter_echec_identite``) after the rollback, so that guesses made here
    slow down like those of the login form (same log, same throttle)."""

    def __init__(self, erreurs: dict[str, str], motif: str):
        super().__init__(erreurs)
        self.motif = motif


def verifier_identite(user, saisie: str | None, ip: str | None = None) -> None:
    """The person at the keyboard is the account's owner: their password, or
    a code of their second factor (a TOTP step or a recovery code is used
    once, in this transaction). Refused: ``DonneesInvalides`` on ``secret``;
    while the login throttle holds this account and address, nothing is checked."""

    saisie = (saisie or "").strip()
    maintenant = utcnow()
    frein = auth.ralentissement(user.email.lower(), ip, maintenant)
    if frein.jusqua is not None and frein.jusqua > maintenant:
        minutes = max(1, int((frein.jusqua - maintenant).total_seconds()) // 60 + 1)
        raise DonneesInvalides({"secret": MESSAGE_RALENTI.format(minutes=minutes)})
    if confirmation_par_code(user):
        if not saisie:
            raise DonneesInvalides({"secret": MESSAGE_CODE_REQUIS})
        verification = deux_facteurs.verifier(user.id, saisie)
        if not verification.ok:
            raise IdentiteRefusee({"secret": MESSAGE_CODE}, verification.motif)
        return
    if not saisie:
        raise DonneesInvalides({"secret": MESSAGE_MOT_DE_PASSE_REQUIS})
    if not (user.password and check_password_hash(user.password, saisie)):
        raise IdentiteRefusee({"secret": MESSAGE_MOT_DE_PASSE}, "mot_de_passe")


def noter_echec_identite(user, motif: str, ip: str | None) -> None:
    """A failed confirmation in the attempts log (canal « lettre »): it counts
    in the login throttle of this account and address."""

    db.session.add(TentativeConnexion(identifiant=user.email.lower()[:320], user_id=user.id, succes=False,
                                      motif=motif, canal=CANAL, adresse_ip=(ip or None) and ip[:45],
                                      cree_le=utcnow()))


def _pdf_envoye(lettre: LettreDemande) -> tuple[bytes, str]:
    """The stored PDF and its SHA-256, refused unless it is the one sent."""
    if lettre.fichier is None:
        raise GardeRefusee(MESSAGE_SANS_PDF)
    contenu = read_fichier(lettre.fichier)
    actuel = empreinte(contenu)  # of the bytes themselves, not of the recorded column
    if lettre.sha256_envoye is None or actuel != lettre.sha256_envoye:
        raise GardeRefusee(MESSAGE_MODIFIEE)
    return contenu, actuel


def _attend_une_reponse(lettre: LettreDemande) -> None:
    """A lettre already answered (or cancelled) says so in words."""
    etat = EtatLettre(lettre.etat)
    if etat != EtatLettre.envoyee:
        raise TransitionInterdite(f"Cette lettre de demande n'attend plus de réponse (état : « {etat.libelle} »).")


def _noter_reponse(lettre: LettreDemande, user, ip: str | None, sha256: str | None):
    quand = utcnow()
    lettre.reponse_le, lettre.reponse_par_id, lettre.reponse_ip = quand, user.id, (ip or None) and ip[:45]
    lettre.sha256_reponse = sha256
    return quand


def accepter_en_ligne(lettre: LettreDemande, user, *, secret: str | None, engagement: bool, sha256_lu: str | None,
                      ip: str | None) -> LettreDemande:
    """The intervenant accepts the sent lettre they read: identity and
    commitment confirmed, the PDF unchanged since sent and since read; who,
    when, from where and its SHA-256 recorded; the accepted PDF (with its
    acceptance page) stored; both sides e-mailed (the workflow's receivers)."""
    acteur = Acteur.from_user(user)
    _attend_une_reponse(lettre)
    workflow_lettre.check(lettre, "accepter_en_ligne", acteur)  # recipient first
    contenu, actuel = _pdf_envoye(lettre)
    if (sha256_lu or "").strip().lower() != actuel:
        raise GardeRefusee(MESSAGE_AUTRE_VERSION)
    erreurs = {} if engagement else {"engagement": MESSAGE_ENGAGEMENT}
    try:
        verifier_identite(user, secret, ip)
    except IdentiteRefusee as exc:
        raise IdentiteRefusee({**erreurs, **exc.erreurs}, exc.motif) from None
    except DonneesInvalides as exc:
        erreurs.update(exc.erreurs)
    if erreurs:  # every message next to its field (a code checked here is given back by the rollback)
        raise DonneesInvalides(erreurs)
    quand = _noter_reponse(lettre, user, ip, actuel)
    lettre.motif_refus = None
    # The one conditional UPDATE: a second click (or nineteen) stops here.
    workflow_lettre.apply(lettre, "accepter_en_ligne", acteur)
    nom = f"{lettre.intervention.intervenant.prenom} {lettre.intervention.intervenant.nom_usage}"
    lettre.fichier_accepte = stocker_pdf(
        pdf_accepte(contenu, lettre, nom=nom, email=user.email, quand=quand, ip=lettre.reponse_ip,
                    empreinte=actuel),
        NOM_FICHIER_ACCEPTE.format(numero=lettre.numero), owner_user_id=user.id, uploaded_by_id=user.id)
    db.session.flush()
    return lettre


def refuser_en_ligne(lettre: LettreDemande, user, *, motif: str | None, ip: str | None) -> LettreDemande:
    """The intervenant refuses the sent lettre, with a reason (kept on the
    lettre and in the history); the structure is e-mailed."""
    acteur = Acteur.from_user(user)
    _attend_une_reponse(lettre)
    workflow_lettre.check(lettre, "refuser_en_ligne", acteur, comment="-")
    motif = (motif or "").strip()
    if not motif:
        raise DonneesInvalides({"motif": MESSAGE_MOTIF})
    if len(motif) > MOTIF_MAX:
        raise DonneesInvalides({"motif": f"Le motif ne peut dépasser {MOTIF_MAX} caractères."})
    _noter_reponse(lettre, user, ip, lettre.fichier.sha256 if lettre.fichier is not None else None)
    lettre.motif_refus = motif
    workflow_lettre.apply(lettre, "refuser_en_ligne", acteur, motif)
    return lettre
