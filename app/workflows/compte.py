"""Lifecycle of a login account (manual §2, §9–§10).

à activer → actif (activation link) | purgé (not activated within 7 days);
provisional credentials (back office, national admin) → à personnaliser →
actif (personalised) | provisoires expirés (after 7 days);
actif ⇄ désactivé (national admin); actif, désactivé… → archivé (the person,
a national admin, or the system when an inscription is archived) →
actif (reactivation) | purgé (retention over).

The state lives in ``etat_compte.etat``; FAB's ``ab_user.active`` (what its
login manager reads) is kept in step by every transition here and written
nowhere else. ``TITULAIRE`` is the account's holder acting through a proof
(activation or personalisation link, own session).
"""

from __future__ import annotations

from datetime import timedelta

from flask_appbuilder.security.sqla.models import User

from app.extensions import db
from app.models import base
from app.models.authentification import LIBELLES_ETAT_COMPTE, EtatCompte
from app.models.authentification import EtatCompteUtilisateur as E
from app.security.roles import NATIONAL, PERSONNEL
from app.security.sessions import invalider_sessions
from app.security.tentatives import noter_deverrouillage
from app.workflows.core import SYSTEME, Acteur, Transition, Workflow, WorkflowError

#: Pseudo-role of the account's holder (the guard checks it is their account).
TITULAIRE = "Titulaire du compte"
#: States in which FAB's session may exist (the login still checks the rest).
ACTIFS = frozenset({E.actif, E.a_personnaliser, E.provisoire_expire})
#: States whose holder is told the account is archived.
ARCHIVES = frozenset({E.archive, E.purge})
#: How long provisional credentials last before they must be personalised.
VALIDITE_PROVISOIRE = timedelta(days=7)


def titulaire(user_id: int) -> Acteur:
    return Acteur(user_id, frozenset({TITULAIRE}))


def _le_titulaire(obj, actor: Acteur):
    if TITULAIRE in actor.roles and actor.roles <= {TITULAIRE} and actor.user_id != obj.user_id:
        return "Ce compte n'est pas le vôtre."
    return None


def _synchroniser_actif(obj, actor: Acteur) -> None:
    """FAB's flag follows the state: the one place that writes it."""
    user = obj.user if obj.user is not None else db.session.get(User, obj.user_id)
    user.active = E(obj.etat) in ACTIFS
    if not user.active:  # désactivé, archivé, purgé: no session outlives it
        invalider_sessions(obj.user_id)


def _provisoires_pour_7_jours(obj, actor: Acteur) -> None:
    obj.provisoire_jusqua = base.utcnow() + VALIDITE_PROVISOIRE


def _fin_des_provisoires(obj, actor: Acteur) -> None:
    obj.provisoire_jusqua = None


def _deverrouiller(obj, actor: Acteur) -> None:
    """The login delays end too (they are counted from the attempts log)."""
    obj.echecs_consecutifs = 0
    obj.verrouille_jusqua = None
    user = obj.user if obj.user is not None else db.session.get(User, obj.user_id)
    noter_deverrouillage(user)


def _t(source, event, target, roles, label, *, effects=(), guards=(), comment_required=False):
    return Transition(source, event, target, frozenset(roles), label, (_le_titulaire, *guards),
                      comment_required=comment_required, effects=(*effects, _synchroniser_actif),
                      visible_intervenant=False)


_PROVISOIRES_DEPUIS = (E.a_activer, E.actif, E.a_personnaliser, E.provisoire_expire, E.desactive)
_ARCHIVABLES = (E.actif, E.a_personnaliser, E.provisoire_expire, E.desactive)

compte = Workflow(
    "compte",
    titre="Comptes utilisateurs",
    state_enum=E,
    state_attr="etat",
    libelles=LIBELLES_ETAT_COMPTE,
    transitions=[
        _t(E.a_activer, "activer", E.actif, {TITULAIRE}, "Activer le compte"),
        _t(E.a_activer, "expirer", E.purge, {SYSTEME}, "Supprimer (non activé dans les 7 jours)"),
        *(
            _t(source, "attribuer_provisoires", E.a_personnaliser, PERSONNEL,
               "Envoyer des identifiants provisoires", effects=(_deverrouiller, _provisoires_pour_7_jours))
            for source in _PROVISOIRES_DEPUIS
        ),
        _t(E.a_personnaliser, "personnaliser", E.actif, {TITULAIRE}, "Personnaliser ses identifiants",
           effects=(_fin_des_provisoires,)),
        _t(E.provisoire_expire, "personnaliser", E.actif, {TITULAIRE}, "Personnaliser ses identifiants",
           effects=(_fin_des_provisoires,)),
        _t(E.a_personnaliser, "expirer_provisoires", E.provisoire_expire, {SYSTEME},
           "Expirer les identifiants provisoires (7 jours)"),
        _t(E.actif, "desactiver", E.desactive, NATIONAL, "Désactiver"),
        _t(E.desactive, "reactiver", E.actif, NATIONAL, "Réactiver", effects=(_deverrouiller,)),
        *(
            _t(source, "archiver", E.archive, NATIONAL | {SYSTEME, TITULAIRE}, "Archiver")
            for source in _ARCHIVABLES
        ),
        _t(E.archive, "reactiver", E.actif, NATIONAL, "Réactiver", effects=(_deverrouiller,)),
        _t(E.archive, "purger", E.purge, {SYSTEME}, "Purger (durée de conservation échue)"),
    ],
)


# -- operations: what views and jobs call --------------------------------------
def etat_du_compte(user_id: int, *, creer: bool = False) -> EtatCompte | None:
    """The account's state row; an account without one is ``actif``
    (created by FAB's screens), and gets one when ``creer``."""
    etat = db.session.get(EtatCompte, user_id)
    if etat is None and creer:
        etat = EtatCompte(user_id=user_id, etat=E.actif, echecs_consecutifs=0)
        db.session.add(etat)
        db.session.flush()
    return etat


def etat_de(etat: EtatCompte | None) -> E:
    return E.actif if etat is None else E(etat.etat)


def ouvrir(user: User, etat_initial: E, **champs) -> EtatCompte:
    """The state row of a new account: its first state is where the
    lifecycle starts (no transition leads into it)."""
    if etat_initial not in (E.a_activer, E.actif, E.a_personnaliser):
        raise ValueError(f"Un compte ne peut pas être créé dans l'état {etat_initial}.")
    etat = EtatCompte(user_id=user.id, etat=etat_initial, echecs_consecutifs=0, **champs)
    etat.user = user
    db.session.add(etat)
    _synchroniser_actif(etat, Acteur.systeme())
    db.session.flush()
    return etat


def appliquer(user_id: int, event: str, actor: Acteur, comment: str | None = None):
    """Apply ``event`` to the account (its state row created if missing)."""
    return compte.apply(etat_du_compte(user_id, creer=True), event, actor, comment)


def deverrouiller(user_id: int, actor: Acteur) -> bool:
    """« Déverrouiller » (national administration): the failed attempts are
    forgotten and the temporary lock lifted, the password kept (provisional
    credentials would replace it). True when the account was locked."""
    if not (NATIONAL & actor.roles):
        raise WorkflowError("Seule l'administration nationale peut déverrouiller un compte.")
    etat = etat_du_compte(user_id)
    if etat is None:
        return False
    etait = etat.verrouille_jusqua is not None or bool(etat.echecs_consecutifs)
    _deverrouiller(etat, actor)
    return etait


def peut(user_id: int, event: str, actor: Acteur) -> bool:
    etat = etat_du_compte(user_id)
    if etat is None:
        etat = EtatCompte(user_id=user_id, etat=E.actif)
    return compte.can(etat, event, actor)
