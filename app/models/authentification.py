"""Account security state: single-use links, captchas, login log, lockout.

Links carry a random token; only its SHA-256 is stored, so a database leak does
not hand out working links. A token is single-use (``utilise_le``) and expires
(``expire_le``). FAB's ``ab_user.email`` is kept lowercase (CHECK constraint):
with its unique constraint, two concurrent registrations with the same address
in any case cannot both commit.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import event
from sqlalchemy.orm import column_property, relationship, synonym

from app.infra.formatting import format_date
from app.models import base
from app.models.base import state_column
from app.models.comptes import Intervenant

# The login identifier is the e-mail, compared case-insensitively: every
# e-mail is stored lowercased (attribute event below, for every write path,
# FAB's screens included) and the database refuses anything else, so FAB's
# unique constraint on ab_user.email is a case-insensitive one. (A unique
# index on lower(email) would do the same, but SQLite cannot reflect
# expression indexes and the migration comparison would warn.)
User.__table__.append_constraint(sa.CheckConstraint("email = lower(email)", name="email_minuscules"))


@event.listens_for(User.email, "set", retval=True)
def _email_en_minuscules(target, value, oldvalue, initiator):
    return value.strip().lower() if isinstance(value, str) else value


def normaliser(texte: str) -> str:
    """Case, accents, hyphens and spaces do not make two names different."""
    sans_accents = unicodedata.normalize("NFKD", texte or "").encode("ascii", "ignore").decode()
    return " ".join(sans_accents.replace("-", " ").replace("'", " ").replace("’", " ").lower().split())


def identite_normalisee(civilite: str, nom_naissance: str, prenom: str, date_naissance) -> str:
    """The uniqueness key of a person (civilité, nom de naissance, prénom, date de naissance)."""
    return "|".join([civilite.strip().lower(), normaliser(nom_naissance), normaliser(prenom), date_naissance.isoformat()])


@event.listens_for(Intervenant, "before_update")
def _identite_a_jour(mapper, connection, target) -> None:
    """A profile whose identity is tracked keeps its key in step with its
    fields (the profile pages may correct a name or a birth date)."""
    if target.identite_normalisee is not None and target.date_naissance is not None:
        target.identite_normalisee = identite_normalisee(
            target.civilite, target.nom_naissance, target.prenom, target.date_naissance
        )


class TypeJeton(enum.StrEnum):
    activation = "activation"
    reinitialisation = "reinitialisation"
    changement_email = "changement_email"
    personnalisation = "personnalisation"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class JetonCompte(Model):
    """A single-use link sent by e-mail (activation, reset, e-mail change,
    personalisation of back-office-created accounts)."""

    __tablename__ = "jeton_compte"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    type = state_column(TypeJeton, name="type_jeton", index=False)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    nouvel_email = sa.Column(sa.String(320))
    cree_le = sa.Column(sa.DateTime, nullable=False, default=lambda: base.utcnow())
    expire_le = sa.Column(sa.DateTime, nullable=False)
    utilise_le = sa.Column(sa.DateTime)

    user = relationship(User, foreign_keys=[user_id])

    __table_args__ = (sa.Index("ix_jeton_compte_user_type", "user_id", "type"),)

    @classmethod
    def emettre(cls, session, user, type_: TypeJeton, validite: timedelta, **fields) -> str:
        """Add a new token row and return the clear token (sent by e-mail only)."""
        token = secrets.token_urlsafe(32)
        now = base.utcnow()
        session.add(
            cls(
                user_id=user.id,
                type=type_,
                token_hash=hash_token(token),
                cree_le=now,
                expire_le=now + validite,
                **fields,
            )
        )
        return token

    @property
    def expire(self) -> bool:
        return base.utcnow() >= self.expire_le


class DefiCaptcha(Model):
    """A captcha challenge, stored server-side: single use, short-lived."""

    __tablename__ = "defi_captcha"
    id = sa.Column(sa.String(32), primary_key=True)
    reponse_hash = sa.Column(sa.String(64), nullable=False)
    cree_le = sa.Column(sa.DateTime, nullable=False)
    expire_le = sa.Column(sa.DateTime, nullable=False, index=True)
    utilise_le = sa.Column(sa.DateTime)


class TentativeConnexion(Model):
    """Every login attempt, successful or not (who, when, from where)."""

    __tablename__ = "tentative_connexion"
    id = sa.Column(sa.Integer, primary_key=True)
    identifiant = sa.Column(sa.String(320), nullable=False, index=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    succes = sa.Column(sa.Boolean, nullable=False)
    motif = sa.Column(sa.String(40), nullable=False)
    canal = sa.Column(sa.String(10), nullable=False, default="web")
    adresse_ip = sa.Column(sa.String(45))
    cree_le = sa.Column(sa.DateTime, nullable=False, default=lambda: base.utcnow(), index=True)
    #: The administrator behind a row that is no attempt (a reset of the
    #: second factor, issue 28): who did it.
    acteur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))

    # The login throttle counts an address's recent failures (app.security.auth).
    __table_args__ = (sa.Index("ix_tentative_connexion_adresse_ip_cree_le", "adresse_ip", "cree_le"),)


class EtatCompteUtilisateur(enum.StrEnum):
    """Lifecycle of a login account (workflow ``app.workflows.compte``)."""

    a_activer = "a_activer"
    actif = "actif"
    a_personnaliser = "a_personnaliser"
    provisoire_expire = "provisoire_expire"
    desactive = "desactive"
    archive = "archive"
    purge = "purge"

    @property
    def libelle(self) -> str:
        return LIBELLES_ETAT_COMPTE[self]


LIBELLES_ETAT_COMPTE = {
    EtatCompteUtilisateur.a_activer: "À activer",
    EtatCompteUtilisateur.actif: "Actif",
    EtatCompteUtilisateur.a_personnaliser: "Identifiants à personnaliser",
    EtatCompteUtilisateur.provisoire_expire: "Identifiants provisoires expirés",
    EtatCompteUtilisateur.desactive: "Désactivé",
    EtatCompteUtilisateur.archive: "Archivé",
    EtatCompteUtilisateur.purge: "Purgé",
}


class EtatCompte(Model):
    """Lifecycle and security state of a login user that FAB's ``ab_user``
    does not hold.

    ``etat`` is the account's workflow state (``app.workflows.compte``, the
    only writer; it keeps FAB's ``ab_user.active`` in step). No row: an
    account created by FAB's own screens, which is ``actif`` (the row is
    created at its first transition or login). ``provisoire_jusqua``: end of
    the provisional credentials' validity.
    """

    __tablename__ = "etat_compte"
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    etat = state_column(EtatCompteUtilisateur, name="etat_compte_etat", default=EtatCompteUtilisateur.actif)
    echecs_consecutifs = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    verrouille_jusqua = sa.Column(sa.DateTime)
    provisoire_jusqua = sa.Column(sa.DateTime, index=True)
    cree_le = sa.Column(sa.DateTime, nullable=False, default=lambda: base.utcnow(), index=True)

    #: The workflow history names its object by ``id``.
    id = synonym("user_id")

    user = relationship(User, foreign_keys=[user_id])


#: The account's lifecycle state as a column of FAB's users screen (NULL: no
#: row, an ``actif`` account). Deferred: the signed-in user's load never reads it.
User.etat_du_compte = column_property(
    sa.select(EtatCompte.etat).where(EtatCompte.user_id == User.id).correlate_except(EtatCompte).scalar_subquery(),
    deferred=True,
)

#: The account's state row (lock, failed attempts) for the users screen,
#: loaded with the page (``selectinload``); read-only here.
User.etat_compte_ligne = relationship(EtatCompte, uselist=False, viewonly=True)


def _verrou(user) -> str:
    """« Verrouillé jusqu'au … » while failed attempts keep the account locked."""
    etat = user.etat_compte_ligne
    if etat is not None and etat.verrouille_jusqua is not None and etat.verrouille_jusqua > base.utcnow():
        return f"Verrouillé jusqu'à {format_date(etat.verrouille_jusqua, 'dd/MM/yyyy HH:mm')}"
    return "Non"


User.verrou = property(_verrou)


class SessionUtilisateur(Model):
    """A signed-in session, known server-side (app.security.sessions).

    The cookie carries a random token; only its SHA-256 is stored. A session
    whose row is missing or revoked is over, whatever the cookie says:
    logout revokes one row, a password or e-mail change, an archiving or a
    deactivation revokes every row of the account.
    """

    __tablename__ = "session_utilisateur"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    jeton_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    cree_le = sa.Column(sa.DateTime, nullable=False, default=lambda: base.utcnow(), index=True)
    revoquee_le = sa.Column(sa.DateTime)
