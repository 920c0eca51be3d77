"""Authentication and account credentials.

- ``authentifier``: the one login check (web form and API login), with the
  throttle (growing delays per identifier and per address, computed from the
  log of attempts, the same for known and unknown identifiers), the log of
  every attempt and the account-state messages.
- ``AuthDBView``: FAB's login page, by e-mail ("Identifiant").
- Account services used by app.views.comptes: identity normalisation and
  uniqueness, creation of accounts, single-use links.
"""

from __future__ import annotations

import functools
import logging
import math
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.api import safe
from flask_appbuilder.const import (
    API_SECURITY_ACCESS_TOKEN_KEY,
    API_SECURITY_PROVIDER_DB,
    API_SECURITY_REFRESH_TOKEN_KEY,
)
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_appbuilder.security.views import ResetMyPasswordView as FabResetMyPasswordView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_jwt_extended import create_access_token, create_refresh_token, get_jwt, get_jwt_identity, jwt_required
from flask_login import login_user, logout_user
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import and_, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db, transaction_en_ecriture
from app.forms.comptes import CodeVerificationForm, ConnexionForm
from app.infra import captcha
from app.infra.mail import Secret
from app.models import base
from app.models.authentification import (  # noqa: F401  (identity helpers re-exported)
    EtatCompte,
    JetonCompte,
    TentativeConnexion,
    TypeJeton,
    hash_token,
    identite_normalisee,
    normaliser,
)
from app.models.comptes import Intervenant
from app.security import deux_facteurs, sessions
from app.security.sessions import invalider_sessions
from app.security.tentatives import MOTIF_DEVERROUILLAGE, _ip, _journaliser, noter_deverrouillage
from app.workflows.compte import ARCHIVES, appliquer, compte, etat_de, titulaire
from app.workflows.compte import E as EtatCompteUtilisateur
from app.workflows.compte import etat_du_compte as _etat_du_compte

log = logging.getLogger(__name__)

VALIDITE_ACTIVATION = timedelta(days=7)
VALIDITE_REINITIALISATION = timedelta(hours=2)
VALIDITE_CHANGEMENT_EMAIL = timedelta(days=2)
VALIDITE_PERSONNALISATION = timedelta(days=7)

MESSAGE_GENERIQUE = "Identifiant ou mot de passe incorrect."
MESSAGE_NON_ACTIVE = (
    "Votre compte n'est pas encore activé : cliquez sur le lien du courriel « Inscription sur "
    "l'Espace intervenants » que vous avez reçu."
)
MESSAGE_ARCHIVE = (
    "Votre compte est archivé. Pour le réactiver, formulez une demande de support "
    "« Réactivation de mon compte archivé » depuis la page Aide et Contact."
)
MESSAGE_DESACTIVE = (
    "Votre compte est désactivé. Pour en connaître la raison, formulez une demande de support "
    "depuis la page Aide et Contact."
)
MESSAGE_RALENTI = (
    "Trop de tentatives de connexion infructueuses. "
    "Réessayez dans {minutes} minute(s) ou utilisez « Mot de passe oublié »."
)
MESSAGE_CAPTCHA = (
    "Pour la sécurité de votre compte, recopiez le texte de l'image puis saisissez à nouveau votre mot de passe."
)
MESSAGE_RALENTI_API = "Trop de tentatives de connexion infructueuses depuis cette adresse. Réessayez dans {secondes} seconde(s)."
MESSAGE_PROVISOIRE_EXPIRE = (
    "Vos identifiants provisoires ont expiré (validité 7 jours). Formulez une nouvelle demande de "
    "support depuis la page Aide et Contact."
)
MESSAGE_CODE_INCORRECT = "Code de vérification incorrect ou déjà utilisé."
MESSAGE_CODE_REQUIS = "Saisissez le code de vérification de votre application d'authentification (champ « totp »)."
MESSAGE_ENROLEMENT_REQUIS = (
    "La double authentification est obligatoire pour ce compte : activez-la d'abord en vous connectant "
    "à l'Espace intervenants."
)
SESSION_A_PERSONNALISER = "identifiants_a_personnaliser"


# -- identity ---------------------------------------------------------------
@dataclass(frozen=True)
class Doublon:
    archive: bool


def _est_archive(etat: EtatCompte | None) -> bool:
    return etat_de(etat) in ARCHIVES


def chercher_doublon(email: str, identite: str | None) -> Doublon | None:
    """The existing account with this e-mail (case-insensitive) or identity."""
    condition = func.lower(User.email) == email.lower()
    if identite:
        condition = condition | (Intervenant.identite_normalisee == identite)
    row = db.session.execute(
        select(User.id, EtatCompte)
        .select_from(User)
        .outerjoin(EtatCompte, EtatCompte.user_id == User.id)
        .outerjoin(Intervenant, Intervenant.user_id == User.id)
        .where(condition)
        .limit(1)
    ).first()
    if row is None:
        return None
    return Doublon(archive=_est_archive(row.EtatCompte))


def email_pris(email: str, sauf_user_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == email.lower())
    if sauf_user_id is not None:
        query = query.where(User.id != sauf_user_id)
    return db.session.scalar(query.limit(1)) is not None


# -- accounts ---------------------------------------------------------------
def hacher_mot_de_passe(password: str) -> str:
    """Hash with FAB's configured method (same as FAB's own user screens)."""
    config = current_app.config
    return generate_password_hash(
        password,
        method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def mot_de_passe_aleatoire() -> str:
    """A random password satisfying the policy (provisional credentials)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.islower() for c in core) and any(c.isupper() for c in core) and any(c.isdigit() for c in core):
            return core[:6] + secrets.choice("!#$%*+-=?@") + core[6:]


def creer_utilisateur(email: str, prenom: str, nom: str, role_name: str, password: str | None) -> User:
    """A FAB user whose username is the lowercased e-mail (flushed, not committed)."""
    sm = current_app.appbuilder.sm
    email = email.lower()
    user = User(
        first_name=prenom[:64],
        last_name=nom[:64],
        username=email,
        email=email,
        active=True,
        roles=[sm.find_role(role_name)],
        password=hacher_mot_de_passe(password or secrets.token_urlsafe(32)),
    )
    db.session.add(user)
    db.session.flush()
    return user


def etat_du_compte(user_id: int, *, creer: bool = False) -> EtatCompte | None:
    return _etat_du_compte(user_id, creer=creer)


def lien(endpoint: str, token: str) -> Secret:
    """The link carrying ``token``: a ``Secret``, kept out of the stored e-mail."""
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return Secret(base_url + url_for(endpoint, token=token))


def jeton_valide(token: str, type_: TypeJeton) -> JetonCompte | None:
    """The unused, unexpired token row for this clear token (or None)."""
    if not token or len(token) > 100:
        return None
    jeton = db.session.scalar(
        select(JetonCompte).where(JetonCompte.token_hash == hash_token(token), JetonCompte.type == type_)
    )
    if jeton is None or jeton.utilise_le is not None or jeton.expire:
        return None
    return jeton


def consommer(jeton: JetonCompte) -> bool:
    """Mark a token used; False when a concurrent request used it first."""
    return (
        db.session.execute(
            update(JetonCompte)
            .where(JetonCompte.id == jeton.id, JetonCompte.utilise_le.is_(None))
            .values(utilise_le=base.utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def invalider_jetons(user_id: int, type_: TypeJeton) -> None:
    db.session.execute(
        update(JetonCompte)
        .where(JetonCompte.user_id == user_id, JetonCompte.type == type_, JetonCompte.utilise_le.is_(None))
        .values(utilise_le=base.utcnow())
        .execution_options(synchronize_session=False)
    )


def definir_mot_de_passe(user: User, password: str) -> None:
    """A password the holder chose: it ends provisional credentials, and every
    session of the account (opened with the old one)."""
    user.password = hacher_mot_de_passe(password)
    invalider_sessions(user)
    etat = etat_du_compte(user.id)
    if etat is not None:
        etat.echecs_consecutifs = 0
        etat.verrouille_jusqua = None
        if compte.can(etat, "personnaliser", titulaire(user.id)):
            appliquer(user.id, "personnaliser", titulaire(user.id))


# -- login ------------------------------------------------------------------
@dataclass
class ResultatConnexion:
    user: User | None
    motif: str
    message: str = MESSAGE_GENERIQUE
    #: The password was right and the account has a second factor: the
    #: sign-in waits for its code (``verifier_code``); ``user`` stays None.
    code_pour: User | None = None
    #: Refused by the throttle: seconds before an attempt is checked again.
    attente: int = 0


#: Session key of the identifier typed in a refused login form, shown again
#: by the GET that follows the redirect (nothing typed is lost).
CLE_IDENTIFIANT_SAISI = "connexion_identifiant"


#: Attempts that count in the throttle: a password was checked and was wrong
#: (or the identifier is nobody's), or a second-factor code was wrong or
#: replayed (issue 28: the same counter). Refused attempts (``ralenti``) do
#: not count, so hammering does not push the delay further; nor does a
#: right password waiting for its code (``code_requis``: it is no success
#: either, so it does not restart the count).
MOTIFS_ECHEC = ("mot_de_passe", "inconnu", "code", "code_rejoue")

@dataclass(frozen=True)
class Ralentissement:
    #: Failures of this identifier from this address (the pair).
    echecs: int
    jusqua: object  # datetime or None: no attempt is checked before it
    #: Failures of this identifier from every address: past
    #: AUTH_SEUIL_CAPTCHA the form asks for the captcha.
    echecs_compte: int = 0

    @property
    def captcha_requis(self) -> bool:
        return self.echecs_compte >= current_app.config["AUTH_SEUIL_CAPTCHA"]


def _delai(echecs: int, seuil: int) -> timedelta | None:
    """The growing delay after ``echecs`` failures: none below ``seuil``, then
    AUTH_DELAI_INITIAL seconds doubling at each failure up to
    AUTH_DUREE_VERROUILLAGE. Never a lock that outlives the longest delay."""
    if echecs < seuil:
        return None
    config = current_app.config
    secondes = config["AUTH_DELAI_INITIAL"] * 2 ** min(echecs - seuil, 20)
    return timedelta(seconds=min(secondes, config["AUTH_DUREE_VERROUILLAGE"]))


def _reprise(identifiant: str, adresse: str | None = None):
    """The last success (from ``adresse`` when given) or unlock of an identifier."""
    T = TentativeConnexion
    repris = or_(T.succes.is_(True), T.motif == MOTIF_DEVERROUILLAGE)
    if adresse is not None:
        repris = or_(and_(T.succes.is_(True), T.adresse_ip == adresse), T.motif == MOTIF_DEVERROUILLAGE)
    return select(func.max(T.cree_le)).where(T.identifiant == identifiant, repris).scalar_subquery()


def ralentissement(identifiant: str, adresse: str | None, now, canal: str = "web") -> Ralentissement:
    """The throttle of one identifier (known or not: the same rule, so its
    answer reveals no account) from one client address, from the log of
    attempts (form and API alike). Nobody can aim it at an account's owner:

    - delays grow per (identifier, address) pair, past AUTH_MAX_ECHECS
      failures of that pair;
    - failures of the identifier from every address only make the form ask
      for the captcha (``captcha_requis``); the API, which has none, then
      delays an address from its first failure;
    - an address that fails on many identifiers (AUTH_MAX_ECHECS_ADRESSE)
      waits for all of them."""
    config = current_app.config
    T = TentativeConnexion
    depuis = now - timedelta(seconds=config["AUTH_FENETRE_ECHECS"])
    reprise = _reprise(identifiant)
    echecs_compte = db.session.scalar(
        select(func.count()).where(
            T.identifiant == identifiant,
            T.motif.in_(MOTIFS_ECHEC),
            T.cree_le > depuis,
            or_(reprise.is_(None), T.cree_le > reprise),
        )
    )
    if not adresse:
        return Ralentissement(0, None, echecs_compte)
    reprise_paire = _reprise(identifiant, adresse)
    echecs, dernier = db.session.execute(
        select(func.count(), func.max(T.cree_le)).where(
            T.identifiant == identifiant,
            T.adresse_ip == adresse,
            T.motif.in_(MOTIFS_ECHEC),
            T.cree_le > depuis,
            or_(reprise_paire.is_(None), T.cree_le > reprise_paire),
        )
    ).one()
    seuil = config["AUTH_MAX_ECHECS"]
    if canal == "api" and echecs_compte >= config["AUTH_SEUIL_CAPTCHA"]:
        seuil = 1
    jusqua = None
    delai = _delai(echecs, seuil)
    if delai is not None:
        jusqua = dernier + delai
    echecs_ip, dernier_ip = db.session.execute(
        select(func.count(), func.max(T.cree_le)).where(
            T.adresse_ip == adresse,
            T.motif.in_(MOTIFS_ECHEC),
            T.cree_le > now - timedelta(seconds=config["AUTH_FENETRE_ADRESSE"]),
        )
    ).one()
    delai_ip = _delai(echecs_ip, config["AUTH_MAX_ECHECS_ADRESSE"])
    if delai_ip is not None and (jusqua is None or dernier_ip + delai_ip > jusqua):
        jusqua = dernier_ip + delai_ip
    return Ralentissement(echecs, jusqua, echecs_compte)


def lever_ralentissement(user: User) -> None:
    """« Déverrouiller »: the account's failures stop counting (a row of the
    log records it), in the caller's transaction."""
    noter_deverrouillage(user)
    etat = etat_du_compte(user.id)
    if etat is not None:
        etat.echecs_consecutifs = 0
        etat.verrouille_jusqua = None


@functools.cache
def _empreinte_factice(methode: str, sel: int) -> str:
    """A hash made like the real ones (same method and cost): checking an
    unknown identifier costs what checking a known one does."""
    return generate_password_hash(secrets.token_urlsafe(16), method=methode, salt_length=sel)


def _verifier_factice(password: str) -> None:
    config = current_app.config
    check_password_hash(
        _empreinte_factice(config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"), config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16)),
        password or "",
    )


def _echec(etat, user: User, frein: Ralentissement, now) -> None:
    """A failure kept on the account for the administration screens (not the rule itself)."""
    etat.echecs_consecutifs = frein.echecs + 1
    delai = _delai(frein.echecs + 1, current_app.config["AUTH_MAX_ECHECS"])
    etat.verrouille_jusqua = now + delai if delai is not None else None
    user.fail_login_count = (user.fail_login_count or 0) + 1


def _reussite(etat, user: User, now) -> None:
    etat.echecs_consecutifs = 0
    etat.verrouille_jusqua = None
    user.login_count = (user.login_count or 0) + 1
    user.fail_login_count = 0
    user.last_login = now


def _frein_actif(identifiant: str, user: User | None, now, canal: str,
                 frein: Ralentissement | None = None) -> ResultatConnexion | None:
    """The refusal of an attempt made while the throttle holds (logged, committed)."""
    frein = frein or ralentissement(identifiant, _ip(), now, canal)
    if frein.jusqua is None or frein.jusqua <= now:
        return None
    attente = math.ceil((frein.jusqua - now).total_seconds())
    minutes = max(1, attente // 60 + 1)
    result = ResultatConnexion(None, "ralenti", MESSAGE_RALENTI.format(minutes=minutes), attente=attente)
    _journaliser(identifiant, user, False, result.motif, canal)
    db.session.commit()
    return result


def verifier_code(user: User, saisie: str, canal: str = "web") -> ResultatConnexion:
    """The second step of a sign-in (issue 28): a TOTP code or a recovery
    code, under the same throttle and in the same log as the passwords (a
    wrong or replayed code is a failure of the identifier). Committed."""
    transaction_en_ecriture(db.session)
    now = base.utcnow()
    identifiant = user.email
    refus = _frein_actif(identifiant, user, now, canal)
    if refus is not None:
        return refus
    verification = deux_facteurs.verifier(user.id, saisie)
    etat = etat_du_compte(user.id, creer=True)
    if verification.ok:
        _reussite(etat, user, now)
        result = ResultatConnexion(user, "succes" if verification.motif == "totp" else "code_secours", "")
    else:
        _echec(etat, user, ralentissement(identifiant, _ip(), now, canal), now)
        result = ResultatConnexion(None, verification.motif, MESSAGE_CODE_INCORRECT)
    _journaliser(identifiant, user, verification.ok, result.motif, canal)
    db.session.commit()
    return result


def authentifier(identifiant: str, password: str, canal: str = "web", code: str | None = None,
                 captcha_resolu: bool = False) -> ResultatConnexion:
    """Check credentials under the throttle and log the attempt (committed: a
    failed attempt must be recorded even though the request ends in error).

    Known and unknown identifiers go the same way: the same throttle, one
    password hash check of the same cost, the same message; only a right
    password leads to the account-state messages.

    Second factor (issue 28): an account that has one gets ``code_pour`` (the
    login form then asks the code), unless ``code`` is given (API: checked
    at once by ``verifier_code``). On the API, a staff member whose role
    requires a second factor and who has none yet is refused.

    Past AUTH_SEUIL_CAPTCHA failures of the identifier (from anywhere), the
    form's attempt is checked only with a solved captcha (``captcha_resolu``):
    without it the password is not checked and the form asks for the captcha
    (``captcha_requis``), so failures elsewhere never refuse the owner."""

    identifiant = (identifiant or "").strip().lower()[:320]
    transaction_en_ecriture(db.session)  # reads then writes the log: SQLite's write lock first
    now = base.utcnow()
    user = None
    if identifiant and password:
        user = db.session.scalar(select(User).where(func.lower(User.email) == identifiant))
    frein = ralentissement(identifiant, _ip(), now, canal)
    refus = _frein_actif(identifiant, user, now, canal, frein)
    if refus is not None:
        return refus
    if canal == "web" and frein.captcha_requis and not captcha_resolu:
        result = ResultatConnexion(None, "captcha_requis", MESSAGE_CAPTCHA)
        _journaliser(identifiant, user, False, result.motif, canal)
        db.session.commit()
        return result
    if user is None:
        _verifier_factice(password)
        result = ResultatConnexion(None, "inconnu")
        _journaliser(identifiant, None, False, result.motif, canal)
        db.session.commit()
        return result

    etat = etat_du_compte(user.id, creer=True)
    cycle = EtatCompteUtilisateur(etat.etat)
    provisoires_expires = cycle == EtatCompteUtilisateur.provisoire_expire or (
        cycle == EtatCompteUtilisateur.a_personnaliser
        and etat.provisoire_jusqua is not None
        and etat.provisoire_jusqua <= now
    )
    if provisoires_expires:
        check_password_hash(user.password, password)
        result = ResultatConnexion(None, "provisoire_expire", MESSAGE_PROVISOIRE_EXPIRE)
    elif not (user.password and check_password_hash(user.password, password)):
        _echec(etat, user, frein, now)
        result = ResultatConnexion(None, "mot_de_passe")
    elif cycle == EtatCompteUtilisateur.a_activer:
        result = ResultatConnexion(None, "non_active", MESSAGE_NON_ACTIVE)
    elif cycle in ARCHIVES:
        result = ResultatConnexion(None, "archive", MESSAGE_ARCHIVE)
    elif cycle == EtatCompteUtilisateur.desactive or not user.active:
        result = ResultatConnexion(None, "desactive", MESSAGE_DESACTIVE)
    elif deux_facteurs.actif(user.id):
        if code is not None:
            _journaliser(identifiant, user, False, "code_requis", canal)
            return verifier_code(user, code, canal)
        result = ResultatConnexion(None, "code_requis", MESSAGE_CODE_REQUIS, code_pour=user)
    elif canal == "api" and deux_facteurs.obligatoire(user):
        result = ResultatConnexion(None, "enrolement_requis", MESSAGE_ENROLEMENT_REQUIS)
    else:
        _reussite(etat, user, now)
        result = ResultatConnexion(user, "succes", "")
    _journaliser(identifiant, user, result.user is not None, result.motif, canal)
    db.session.commit()
    return result


def doit_personnaliser(user_id: int) -> bool:
    return etat_de(db.session.get(EtatCompte, user_id)) == EtatCompteUtilisateur.a_personnaliser


# -- views ------------------------------------------------------------------
#: The two ways in, under one request rate limit per client address
#: (``AUTH_RATE_LIMIT``, applied by EspaceSecurityManager.register_views).
ENDPOINTS_CONNEXION = ("AuthDBView.login", "AuthDBView.code", "SecurityApi.login")


def _auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _hors_connexion() -> bool:
    return request.endpoint not in ENDPOINTS_CONNEXION


def _compter(response) -> bool:
    """Only attempts that did not get through count (``MOTIFS_ABOUTIS``):
    a whole office signing in from one address never reaches the limit."""
    return not g.get("_espace_connexion_aboutie")


def limiter_connexions(limiter, *blueprints) -> None:
    """One counter per client address for the login form and the API login
    (scope ``connexion``): each attempt that fails counts once, wherever it
    comes from; sign-ins do not count."""
    limite = limiter.shared_limit(_auth_rate_limit, scope="connexion", methods=["POST"], exempt_when=_hors_connexion,
                                  deduct_when=_compter)
    for blueprint in blueprints:
        limite(blueprint)


def avec_lien_aide(message: str) -> Markup | str:
    """A refusal that sends the person to « Aide et Contact » links to it
    (the API keeps the plain text)."""
    if "Aide et Contact" not in message:
        return message
    avant, _, apres = message.partition("Aide et Contact")
    return Markup('{}<a href="{}">Aide et Contact</a>{}').format(avant, url_for("SupportView.formulaire"), apres)


class AuthDBView(FabAuthDBView):
    """Login by e-mail (FAB's class name kept: endpoints stay ``AuthDBView.*``) with lockout, account-state messages and the log."""

    login_template = "comptes/connexion.html"
    title = "S'authentifier"

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = ConnexionForm()
        identifiant_saisi = session.pop(CLE_IDENTIFIANT_SAISI, None)
        if request.method == "GET" and identifiant_saisi:
            form.username.data = identifiant_saisi
        if request.method == "POST" and form.autre_image.data and form.captcha_id.data:
            captcha.verifier(form.captcha_id.data, "")
            return self._avec_captcha(form)
        if form.validate_on_submit():
            # Without ``next`` the index: FAB's check would log "Invalid redirect" at every login.
            demande = request.args.get("next")
            next_url = get_safe_redirect(demande) if demande else self.appbuilder.get_url_for_index
            session.pop(deux_facteurs.CLE_ATTENTE, None)
            captcha_resolu = False
            if form.captcha_id.data:
                captcha_resolu = captcha.verifier(form.captcha_id.data, form.captcha.data or "")
                if not captcha_resolu:
                    # The password is not checked: nothing counts against the account.
                    form.captcha.errors = [*form.captcha.errors, captcha.MESSAGE_INVALIDE]
                    return self._avec_captcha(form)
            result = authentifier(form.username.data, form.password.data, canal="web", captcha_resolu=captcha_resolu)
            if result.motif == "captcha_requis":
                return self._avec_captcha(form)
            if result.code_pour is not None:
                # The password is right; the session opens after the code (``code``).
                session[deux_facteurs.CLE_ATTENTE] = {
                    "uid": result.code_pour.id, "t": int(deux_facteurs.maintenant()), "next": next_url,
                }
                return redirect(url_for("AuthDBView.code"))
            if result.user is None:
                # The redirect below shows the form again: the identifier typed stays in it.
                session[CLE_IDENTIFIANT_SAISI] = (form.username.data or "")[:254]
                flash(avec_lien_aide(result.message),
                      "warning" if result.motif in ("inconnu", "mot_de_passe") else "danger")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            return self._ouvrir(result.user, next_url)
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)

    @expose("/logout/", methods=["GET", "POST"])
    @no_cache
    def logout(self):
        """Sign out by a POST with its CSRF token (checked by the app's CSRF
        protection before this runs): a GET, which another site's link or
        image can send, only shows the button."""
        if request.method == "GET":
            if g.user is None or not g.user.is_authenticated:
                return redirect(self.appbuilder.get_url_for_index)
            return self.render_template("comptes/deconnexion.html", title="Se déconnecter", appbuilder=self.appbuilder)
        user = self._get_authenticated_user()
        logout_user()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_index)

    def _avec_captcha(self, form):
        """The form again, with a new captcha (the identifier kept)."""
        form.captcha_id.data = captcha.nouveau_defi()
        form.captcha.data = ""
        db.session.commit()
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder,
                                    message_captcha=MESSAGE_CAPTCHA)

    def _ouvrir(self, user, next_url: str, deuxieme_etape: bool = False):
        """Open the session (app.security.sessions, on flask-login's signal).
        A staff member without a second factor is then kept on its enrolment
        page (``deux_facteurs.imposer_second_facteur``)."""
        transaction_en_ecriture(db.session)  # the session row is written after reads: SQLite's write lock first
        login_user(user, remember=False)
        if deuxieme_etape or not deux_facteurs.obligatoire(user):
            deux_facteurs.marquer_verifie()
        if doit_personnaliser(user.id):
            session[SESSION_A_PERSONNALISER] = True
            return redirect(url_for("CompteView.identifiants"))
        return redirect(next_url)

    @expose("/login/code", methods=["GET", "POST"])
    @no_cache
    def code(self):
        """Second step of the sign-in: the code of the authenticator
        application, or a recovery code (issue 28)."""
        if g.user is not None and g.user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_index)
        attente = session.get(deux_facteurs.CLE_ATTENTE)
        if not isinstance(attente, dict) or deux_facteurs.maintenant() - attente.get("t", 0) > deux_facteurs.DUREE_ATTENTE:
            session.pop(deux_facteurs.CLE_ATTENTE, None)
            if request.method == "POST" or attente is not None:
                flash("Le délai de saisie du code est dépassé : veuillez vous authentifier à nouveau.", "warning")
            return redirect(url_for("AuthDBView.login"))
        user = db.session.get(User, attente.get("uid"))
        if user is None:
            session.pop(deux_facteurs.CLE_ATTENTE, None)
            return redirect(url_for("AuthDBView.login"))
        form = CodeVerificationForm()
        if form.validate_on_submit():
            result = verifier_code(user, form.saisie, canal="web")
            if result.user is not None:
                session.pop(deux_facteurs.CLE_ATTENTE, None)
                if result.motif == "code_secours":
                    restants = deux_facteurs.codes_restants(user.id)
                    flash(
                        f"Vous vous êtes connecté(e) avec un code de secours (il vous en reste {restants}). "
                        "Si vous avez perdu votre appareil, enregistrez-en un nouveau depuis « Double authentification ».",
                        "warning",
                    )
                return self._ouvrir(user, get_safe_redirect(attente.get("next")) or self.appbuilder.get_url_for_index,
                                    deuxieme_etape=True)
            if result.motif == "ralenti":
                session.pop(deux_facteurs.CLE_ATTENTE, None)
                flash(result.message, "danger")
                return redirect(url_for("AuthDBView.login"))
            (form.code_secours if (form.code_secours.data or "").strip() else form.code).errors.append(result.message)
        return self.render_template(
            "comptes/connexion_code.html", title="Vérification en deux étapes", form=form, appbuilder=self.appbuilder
        )


class ResetMyPasswordView(FabResetMyPasswordView):
    """FAB's own "reset my password" form skips the current password and the
    password policy: it leads to "Changer mon mot de passe" instead."""

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        return redirect(url_for("CompteView.mot_de_passe"))

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        return redirect(url_for("CompteView.mot_de_passe"))


class SecurityApi(FabSecurityApi):
    """FAB's API login: the same checks (``auth_user_db``) and the same rate
    limit as the login form (``limiter_connexions``). An account with a
    second factor sends its current code in a ``totp`` field (issue 28)."""

    @expose("/login", methods=["POST"])
    def login(self):
        """Sign in: a bearer token for the API's calls.
        ---
        post:
          description: >-
            JSON body: username (the e-mail), password, provider ("db"), refresh (optional),
            totp (the current code, for an account with a second factor).
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
          responses:
            200:
              description: access_token (and refresh_token when asked)
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        donnees = request.get_json(silent=True) if request.is_json else None
        if isinstance(donnees, dict) and "totp" in donnees:
            code = donnees.get("totp")
            g._espace_totp = code if isinstance(code, str) else ""
            donnees = {cle: valeur for cle, valeur in donnees.items() if cle != "totp"}
        if not isinstance(donnees, dict):
            return self.response_400(message="Corps JSON attendu.")
        try:
            saisie = login_post.load(donnees)
        except ValidationError as error:
            return self.response_400(message=error.messages)
        if saisie["provider"] != API_SECURITY_PROVIDER_DB:
            return self.response_400(message="Fournisseur d'authentification inconnu : « db » attendu.")
        user = self.appbuilder.sm.auth_user_db(saisie["username"], saisie["password"])
        if not user:
            resultat = g.get("_espace_resultat_connexion")
            if resultat is not None and resultat.motif == "ralenti":
                # Throttled for this address (app.security.auth.ralentissement).
                reponse = self.response(429, message=MESSAGE_RALENTI_API.format(secondes=resultat.attente))
                reponse.headers["Retry-After"] = str(resultat.attente)
                return reponse
            return self.response_401()
        # One session (app.security.sessions) for both tokens: whatever ends
        # the account's sessions ends them too.
        claims = sessions.ouvrir_pour_api(user)
        resp = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True,
                                                                   additional_claims=claims)}
        if saisie.get("refresh"):
            resp[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id), additional_claims=claims)
        return self.response(200, **resp)

    @expose("/refresh", methods=["POST"])
    @jwt_required(refresh=True)
    @safe
    def refresh(self):
        """A new access token for a refresh token whose session is still open.
        ---
        post:
          responses:
            200:
              description: access_token
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt_refresh: []
        """
        claims = sessions.claims_de(get_jwt())
        return self.response(200, **{API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(
            identity=get_jwt_identity(), fresh=False, additional_claims=claims)})

    @expose("/logout", methods=["POST"])
    @jwt_required(verify_type=False)
    @safe
    def logout(self):
        """Sign out: the session of this token (access or refresh) ends, and
        with it every token of the same login.
        ---
        post:
          responses:
            200:
              description: session closed
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt: []
        """
        sessions.fermer_api(get_jwt())
        return self.response(200, message="Vous êtes déconnecté(e).")


def auth_user_db(username: str, password: str):
    """FAB's hook (API login): same checks, throttle and log as the form."""
    resultat = authentifier(username, password, canal="api", code=g.get("_espace_totp"))
    g._espace_resultat_connexion = resultat
    return resultat.user


#: Endpoints a user with provisional credentials may still reach.
_ENDPOINTS_LIBRES = {"static", "appbuilder.static", "AuthDBView.logout", "CompteView.identifiants"}


def imposer_personnalisation():
    """Before anything else, provisional credentials must be personalised."""
    if not session.get(SESSION_A_PERSONNALISER):
        return None
    if request.endpoint in _ENDPOINTS_LIBRES or request.endpoint is None:
        return None
    return redirect(url_for("CompteView.identifiants"))
