"""Account pages: registration, activation, captcha, passwords, e-mail change,
accounts created by the back office and provisional credentials.

Every link sent by e-mail is a single-use token (app.models.authentification);
every state change is committed here, in the view.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi
from flask_appbuilder.security.decorators import limit, protect
from flask_appbuilder.security.sqla.models import User
from flask_login import current_user, login_user, logout_user
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.security import check_password_hash

from app.extensions import csrf, db
from app.forms import comptes as forms
from app.infra import captcha
from app.infra.crypto import mask
from app.infra.formatting import format_date
from app.infra.mail import Secret, queue_email
from app.jobs import comptes as comptes_jobs
from app.jobs import enqueue
from app.models import base
from app.models.annonces import Annonce
from app.models.authentification import EtatCompteUtilisateur, JetonCompte, TypeJeton
from app.models.comptes import Intervenant
from app.models.referentiels import Structure
from app.security import auth, sessions
from app.security.roles import INTERVENANT
from app.security.scope import current_structure_id, is_national
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur, WorkflowError

log = logging.getLogger(__name__)

#: Documents to open before registering: key → (label, endpoint).
DOCUMENTS = {
    "charte": "J'ai pris connaissance de la charte des intervenants",
    "conditions": "J'ai pris connaissance des conditions générales d'emploi des intervenants",
    "mentions": "J'ai pris connaissance des mentions légales",
}
SESSION_DOCUMENTS = "documents_ouverts"
MESSAGE_DOUBLON = (
    "Un compte correspondant aux informations saisies (même identité ou même adresse e-mail) existe déjà. "
    "Connectez-vous ou utilisez « Mot de passe oublié »."
)
MESSAGE_LIEN_INVALIDE = "Ce lien n'est pas valide : il a expiré ou a déjà été utilisé."


def _form_limit() -> str:
    return current_app.config.get("COMPTES_RATE_LIMIT", "20 per 5 minute")


def _annonce_structure_id(numero: str | None) -> int | None:
    """Structure of the annonce the visitor came from (``?annonce=<numero>``)."""
    if not numero:
        return None
    return db.session.scalar(select(Annonce.structure_id).where(Annonce.numero == numero[:30]))


def _nouveau_captcha(form) -> None:
    form.captcha_id.data = captcha.nouveau_defi()
    form.captcha.data = ""
    db.session.commit()


def _captcha_ok(form) -> bool:
    """Consume the challenge; on failure the error goes next to the field."""
    ok = captcha.verifier(form.captcha_id.data, form.captcha.data)
    if not ok:
        form.captcha.errors = [*form.captcha.errors, captcha.MESSAGE_INVALIDE]
    return ok



def _emettre_jeton(user, type_: TypeJeton, validite: timedelta, **fields) -> str:
    """Issue a single-use token in the current transaction (clear value returned)."""
    return JetonCompte.emettre(db.session, user, type_, validite, **fields)


def page_lien_invalide(view, recommencer: str):
    """Expired, reused or forged link: a normal page (200) that explains and
    offers to start again."""
    return view.render_template("comptes/lien_invalide.html", title="Lien non valide", recommencer=recommencer), 200

class CaptchaView(BaseView):
    """Captcha image and audio alternative (public, no cache)."""

    route_base = "/captcha"
    default_view = "image"

    @expose("/<defi>/image.png")
    def image(self, defi):
        data = captcha.image_png(defi)
        if data is None:
            abort(404)
        return current_app.response_class(data, mimetype="image/png", headers={"Cache-Control": "no-store"})

    @expose("/<defi>/audio.wav")
    def audio(self, defi):
        data = captcha.audio_wav(defi)
        if data is None:
            abort(404)
        return current_app.response_class(data, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


class InscriptionView(BaseView):
    """"Remplir un CV en ligne": creation of a connection account."""

    route_base = ""
    default_view = "inscription"

    @expose("/inscription", methods=["GET", "POST"])
    @limit(_form_limit, methods=["POST"])
    def inscription(self):
        form = forms.InscriptionForm()
        if request.method == "GET":
            # Documents opened stay recorded until the account is created
            # (the document pages link back here).
            if request.args.get("annonce"):
                session["inscription_annonce"] = request.args["annonce"][:30]
            _nouveau_captcha(form)
            return self._render(form)
        if form.autre_image.data:
            # "Générer une autre image": the form comes back filled, new challenge.
            captcha.verifier(form.captcha_id.data, "")
            _nouveau_captcha(form)
            return self._render(form)
        valid = form.validate_on_submit()
        captcha_ok = _captcha_ok(form) if form.captcha.data else False
        ouverts = set(session.get(SESSION_DOCUMENTS, []))
        manquants = [label for key, label in DOCUMENTS.items() if key not in ouverts]
        if not (valid and captcha_ok and not manquants):
            if manquants:
                flash("Cliquez sur chacun des trois liens pour les valider : " + " ; ".join(manquants) + ".", "danger")
            _nouveau_captcha(form)
            return self._render(form, manquants=manquants), 422
        nom_usage = form.nom_naissance.data if form.identique_nom.data else form.nom_usage.data
        identite = auth.identite_normalisee(
            form.civilite.data, form.nom_naissance.data, form.prenom.data, form.date_naissance.data
        )
        doublon = auth.chercher_doublon(form.email.data, identite)
        if doublon is None:
            try:
                user, token = self._creer(form, nom_usage, identite)
            except IntegrityError:
                # A concurrent submission won the race: the unique indexes refused this one.
                db.session.rollback()
                captcha.verifier(form.captcha_id.data, "")  # the rollback un-consumed it
                doublon = auth.chercher_doublon(form.email.data, identite) or auth.Doublon(archive=False)
        if doublon is not None:
            archive = doublon.archive
            if not archive:  # an archived one: the page's own notice says it, with the link (once)
                flash(MESSAGE_DOUBLON, "danger")
            _nouveau_captcha(form)
            return self._render(form, doublon_archive=archive), 409
        session.pop(SESSION_DOCUMENTS, None)
        session.pop("inscription_annonce", None)
        return self.render_template("comptes/inscription_envoyee.html", title="Remplir un CV en ligne", email=user.email)

    def _creer(self, form, nom_usage, identite):
        user = auth.creer_utilisateur(form.email.data, form.prenom.data, nom_usage, INTERVENANT, form.password.data)
        cycle_compte.ouvrir(user, EtatCompteUtilisateur.a_activer, cree_le=base.utcnow())
        db.session.add(
            Intervenant(
                user_id=user.id,
                civilite=form.civilite.data,
                nom_naissance=form.nom_naissance.data,
                nom_usage=nom_usage,
                prenom=form.prenom.data,
                date_naissance=form.date_naissance.data,
                identite_normalisee=identite,
                structure_id=_annonce_structure_id(session.get("inscription_annonce")),
            )
        )
        token = _emettre_jeton(user, TypeJeton.activation, auth.VALIDITE_ACTIVATION)
        queue_email(
            user.email,
            "compte_activation",
            "Inscription sur l'Espace intervenants",
            civilite="M" if form.civilite.data == "M" else "Mme",
            prenom=form.prenom.data,
            nom=nom_usage.upper(),
            lien=auth.lien("InscriptionView.activation", token),
        )
        db.session.commit()
        return user, token

    def _render(self, form, **extra):
        return self.render_template(
            "comptes/inscription.html",
            title="Remplir un CV en ligne",
            form=form,
            documents=DOCUMENTS,
            ouverts=set(session.get(SESSION_DOCUMENTS, [])),
            **extra,
        )

    @expose("/inscription/document/<nom>")
    def document(self, nom):
        """Open one of the three documents and record that it was opened."""
        if nom not in DOCUMENTS:
            abort(404)
        ouverts = list(session.get(SESSION_DOCUMENTS, []))
        if nom not in ouverts:
            ouverts.append(nom)
        session[SESSION_DOCUMENTS] = ouverts
        if nom == "mentions":
            return redirect(url_for("PagesView.mentions_legales"))
        return self.render_template(f"comptes/document_{nom}.html", title=DOCUMENTS[nom])

    @expose("/activation/<token>")
    def activation(self, token):
        jeton = auth.jeton_valide(token, TypeJeton.activation)
        if jeton is None or not auth.consommer(jeton):
            return self._lien_invalide("inscription")
        user = db.session.get(User, jeton.user_id)
        try:
            cycle_compte.appliquer(user.id, "activer", cycle_compte.titulaire(user.id))
        except WorkflowError:
            db.session.rollback()
            return self._lien_invalide("inscription")
        db.session.commit()
        login_user(user, remember=False)
        flash("Votre compte est activé. Complétez maintenant votre profil.", "success")
        return redirect("/profil/identification")

    def _lien_invalide(self, recommencer: str):
        return page_lien_invalide(self, recommencer)


class MotDePasseView(BaseView):
    """"Mot de passe oublié" and the reset link."""

    route_base = ""
    default_view = "oublie"

    @expose("/mot-de-passe-oublie", methods=["GET", "POST"])
    @limit(_form_limit, methods=["POST"])
    def oublie(self):
        form = forms.MotDePasseOublieForm()
        if request.method == "GET":
            _nouveau_captcha(form)
            return self._render(form)
        if form.autre_image.data:
            captcha.verifier(form.captcha_id.data, "")
            _nouveau_captcha(form)
            return self._render(form)
        valid = form.validate_on_submit()
        captcha_ok = _captcha_ok(form) if form.captcha.data else False
        if not (valid and captcha_ok):
            _nouveau_captcha(form)
            return self._render(form), 422
        db.session.commit()  # the captcha, used
        # The same work and answer whether the address exists or not: the
        # lookup and the e-mail happen in a job (app.jobs.comptes).
        modele = auth.lien("MotDePasseView.reinitialiser", "jeton")
        try:
            enqueue(comptes_jobs.envoyer_lien_reinitialisation, form.email.data, modele)
        except RedisError:
            log.exception("File de tâches indisponible : lien de réinitialisation préparé dans la requête.")
            comptes_jobs.envoyer_lien_reinitialisation(form.email.data, modele)
        return self.render_template("comptes/oublie_envoye.html", title="Mot de passe oublié")

    def _render(self, form):
        return self.render_template("comptes/mot_de_passe_oublie.html", title="Mot de passe oublié", form=form)

    @expose("/mot-de-passe/reinitialiser/<token>", methods=["GET", "POST"])
    def reinitialiser(self, token):
        jeton = auth.jeton_valide(token, TypeJeton.reinitialisation)
        if jeton is None:
            return self._lien_invalide()
        form = forms.NouveauMotDePasseForm()
        if form.validate_on_submit():
            if not auth.consommer(jeton):
                return self._lien_invalide()
            user = db.session.get(User, jeton.user_id)
            auth.definir_mot_de_passe(user, form.password.data)
            # A new password makes every older reset link useless.
            auth.invalider_jetons(user.id, TypeJeton.reinitialisation)
            db.session.commit()
            flash("Votre mot de passe a été modifié. Vous pouvez vous connecter.", "success")
            return redirect(current_app.appbuilder.get_url_for_login)
        return self.render_template(
            "comptes/nouveau_mot_de_passe.html", title="Personnalisation de votre mot de passe", form=form
        )

    def _lien_invalide(self):
        return page_lien_invalide(self, "mot_de_passe")


class CompteView(BaseView):
    """Own credentials of the signed-in user (any role)."""

    route_base = "/compte"
    default_view = "mot_de_passe"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.before_app_request(auth.imposer_personnalisation)
        return blueprint

    @expose("/mot-de-passe", methods=["GET", "POST"])
    @has_access
    def mot_de_passe(self):
        """"Changer mon mot de passe": on-screen confirmation, no e-mail."""
        form = forms.ChangerMotDePasseForm()
        if form.validate_on_submit():
            user = db.session.get(User, g.user.id)
            if not check_password_hash(user.password, form.mot_de_passe_actuel.data):
                form.mot_de_passe_actuel.errors.append("Le mot de passe actuel est incorrect.")
            elif form.password.data == form.mot_de_passe_actuel.data:
                form.password.errors.append("Le nouveau mot de passe doit être différent du mot de passe actuel.")
            else:
                # Every session of the account ends (definir_mot_de_passe); this browser gets a new one.
                auth.definir_mot_de_passe(user, form.password.data)
                auth.invalider_jetons(user.id, TypeJeton.reinitialisation)
                db.session.commit()
                sessions.ouvrir(user)
                flash("Vos changements ont été enregistrés.", "success")
                return redirect(url_for("CompteView.mot_de_passe"))
        return self.render_template(
            "comptes/changer_mot_de_passe.html",
            title="Changer mon mot de passe",
            form=form,
            form_deconnexion=forms.DeconnexionPartoutForm(),
        )

    @expose("/deconnexion-partout", methods=["POST"])
    @has_access
    def deconnexion_partout(self):
        """« Se déconnecter de tous mes appareils »: every session of the
        account ends, this one included."""
        form = forms.DeconnexionPartoutForm()
        if not form.validate_on_submit():
            abort(400)
        sessions.invalider_sessions(g.user)
        db.session.commit()
        logout_user()
        flash("Vous êtes déconnecté(e) de tous vos appareils.", "success")
        return redirect(current_app.appbuilder.get_url_for_index)

    @expose("/email", methods=["GET", "POST"])
    @has_access
    def email(self):
        """Change of identifier: effective after the link sent to the new address."""
        form = forms.ChangerEmailForm()
        user = db.session.get(User, g.user.id)
        if form.validate_on_submit():
            if not check_password_hash(user.password, form.mot_de_passe_actuel.data):
                form.mot_de_passe_actuel.errors.append("Le mot de passe actuel est incorrect.")
            elif form.email.data == user.email.lower():
                form.email.errors.append("Cette adresse est déjà votre identifiant de connexion.")
            elif auth.email_pris(form.email.data, sauf_user_id=user.id):
                form.email.errors.append("Cette adresse e-mail est déjà utilisée par un autre compte.")
            else:
                auth.invalider_jetons(user.id, TypeJeton.changement_email)
                token = _emettre_jeton(
                    user, TypeJeton.changement_email, auth.VALIDITE_CHANGEMENT_EMAIL, nouvel_email=form.email.data
                )
                contexte = {"prenom": user.first_name, "nom": user.last_name}
                queue_email(
                    form.email.data,
                    "compte_changement_email",
                    "Confirmez votre nouvelle adresse e-mail",
                    lien=auth.lien("LienCompteView.confirmer_email", token),
                    **contexte,
                )
                queue_email(
                    user.email,
                    "compte_changement_email_ancien",
                    "Demande de changement de votre identifiant de connexion",
                    nouvel_email_masque=_masquer_email(form.email.data),
                    **contexte,
                )
                db.session.commit()
                flash(
                    "Un courriel vient d'être envoyé à la nouvelle adresse : cliquez sur le lien qu'il contient "
                    "pour confirmer votre changement d'adresse e-mail.",
                    "success",
                )
                return redirect(url_for("CompteView.email"))
        return self.render_template(
            "comptes/changer_email.html", title="Mes informations", form=form, email_actuel=user.email
        )

    @expose("/identifiants", methods=["GET", "POST"])
    @has_access
    def identifiants(self):
        """"Vos identifiants de connexion": personalise provisional credentials."""
        user = db.session.get(User, g.user.id)
        etat = auth.etat_du_compte(user.id)
        if cycle_compte.etat_de(etat) != EtatCompteUtilisateur.a_personnaliser:
            session.pop(auth.SESSION_A_PERSONNALISER, None)
            return redirect(current_app.appbuilder.get_url_for_index)
        form = forms.IdentifiantsForm()
        if request.method == "GET":
            form.email.data = user.email
        if form.validate_on_submit():
            if check_password_hash(user.password, form.password.data):
                form.password.errors.append("Votre mot de passe doit être différent du mot de passe actuel.")
            elif auth.email_pris(form.email.data, sauf_user_id=user.id):
                form.email.errors.append("Cette adresse e-mail est déjà utilisée par un autre compte.")
            else:
                user.email = user.username = form.email.data
                auth.definir_mot_de_passe(user, form.password.data)
                db.session.commit()
                sessions.ouvrir(user)  # the others ended with the new password
                session.pop(auth.SESSION_A_PERSONNALISER, None)
                flash("Vos identifiants de connexion ont été personnalisés.", "success")
                return redirect(current_app.appbuilder.get_url_for_index)
        return self.render_template("comptes/identifiants.html", title="Vos identifiants de connexion", form=form)


def _masquer_email(email: str) -> str:
    local, _, domaine = email.partition("@")
    return f"{mask(local)}@{domaine}" if local else email


class LienCompteView(BaseView):
    """Links sent by e-mail that do not need a session: the token is the proof."""

    route_base = "/compte/lien"
    default_view = "confirmer_email"

    @expose("/email/<token>")
    def confirmer_email(self, token):
        jeton = auth.jeton_valide(token, TypeJeton.changement_email)
        if jeton is None or not auth.consommer(jeton):
            return self._invalide()
        user = db.session.get(User, jeton.user_id)
        if auth.email_pris(jeton.nouvel_email, sauf_user_id=user.id):
            db.session.commit()
            flash("Cette adresse e-mail est déjà utilisée par un autre compte.", "danger")
            return self._invalide()
        user.email = user.username = jeton.nouvel_email
        sessions.invalider_sessions(user)
        db.session.commit()
        if g.user is not None and g.user.is_authenticated and g.user.id == user.id:
            sessions.ouvrir(user)  # the link opened in a signed-in browser of the account
        flash("Votre nouvelle adresse e-mail est désormais votre identifiant de connexion.", "success")
        return redirect(current_app.appbuilder.get_url_for_index)

    @expose("/personnaliser/<token>", methods=["GET", "POST"])
    def personnaliser(self, token):
        """Back-office-created account: confirm the address, choose a password."""
        jeton = auth.jeton_valide(token, TypeJeton.personnalisation)
        if jeton is None:
            return self._invalide()
        form = forms.NouveauMotDePasseForm()
        if form.validate_on_submit():
            if not auth.consommer(jeton):
                return self._invalide()
            user = db.session.get(User, jeton.user_id)
            auth.definir_mot_de_passe(user, form.password.data)
            db.session.commit()
            if g.user is not None and g.user.is_authenticated:
                logout_user()
            login_user(user, remember=False)
            flash("Votre adresse est confirmée et votre mot de passe personnalisé.", "success")
            return redirect(current_app.appbuilder.get_url_for_index)
        return self.render_template(
            "comptes/nouveau_mot_de_passe.html", title="Vos identifiants de connexion", form=form
        )

    def _invalide(self):
        return page_lien_invalide(self, "mot_de_passe")


# -- back office --------------------------------------------------------------
class CreationCompteError(Exception):
    def __init__(self, message: str, field: str = "email", status: int = 409):
        super().__init__(message)
        self.field, self.status = field, status


def inviter(user: User, structure=None, prenom: str | None = None, nom: str | None = None) -> None:
    """The back office's invitation: the account waits for its holder to
    confirm the address and choose a password (link valid 7 days), in the
    caller's transaction. Used for intervenants created by a gestionnaire and
    for any account created in the users screen: no admin types a password."""
    cycle_compte.ouvrir(user, EtatCompteUtilisateur.a_personnaliser,
                        provisoire_jusqua=base.utcnow() + auth.VALIDITE_PERSONNALISATION)
    token = _emettre_jeton(user, TypeJeton.personnalisation, auth.VALIDITE_PERSONNALISATION)
    queue_email(
        user.email,
        "compte_personnalisation",
        "Votre compte sur l'Espace intervenants",
        prenom=prenom or user.first_name,
        nom=(nom or user.last_name or "").upper(),
        structure=structure.nom if structure is not None else None,
        lien=auth.lien("LienCompteView.personnaliser", token),
    )


def creer_compte_backoffice(data: dict, structure_id: int | None, createur: str) -> User:
    """Account created for a recruited intervenant (screen or API): the person
    gets an e-mail to confirm the address and personalise the password."""
    identite = auth.identite_normalisee(data["civilite"], data["nom_naissance"], data["prenom"], data["date_naissance"])
    doublon = auth.chercher_doublon(data["email"], identite)
    if doublon is not None:
        raise CreationCompteError(
            "Un compte archivé existe pour cette personne : une réactivation est nécessaire."
            if doublon.archive
            else "Un compte existe déjà pour cette personne ou cette adresse e-mail."
        )
    nom_usage = data.get("nom_usage") or data["nom_naissance"]
    try:
        user = auth.creer_utilisateur(data["email"], data["prenom"], nom_usage, INTERVENANT, None)
        db.session.add(
            Intervenant(
                user_id=user.id,
                civilite=data["civilite"],
                nom_naissance=data["nom_naissance"],
                nom_usage=nom_usage,
                prenom=data["prenom"],
                date_naissance=data["date_naissance"],
                identite_normalisee=identite,
                structure_id=structure_id,
            )
        )
        structure = db.session.get(Structure, structure_id) if structure_id else None
        inviter(user, structure, prenom=data["prenom"], nom=nom_usage)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CreationCompteError("Un compte existe déjà pour cette personne ou cette adresse e-mail.") from None
    log.info("Compte intervenant %s créé par %s.", user.id, createur)
    return user


class ComptesGestionView(BaseView):
    """Back-office screens: create an intervenant account; provisional
    credentials (national administration only)."""

    route_base = "/gestion/comptes"
    default_view = "creer"

    @expose("/creer", methods=["GET", "POST"])
    @has_access
    def creer(self):
        form = forms.CompteBackofficeForm()
        if form.validate_on_submit():
            structure_id = None if is_national() else current_structure_id()
            if structure_id is None and not is_national():
                abort(403)
            data = {name: form[name].data for name in ("civilite", "nom_naissance", "nom_usage", "prenom", "date_naissance", "email")}
            if form.identique_nom.data:
                data["nom_usage"] = data["nom_naissance"]
            try:
                creer_compte_backoffice(data, structure_id, g.user.username)
            except CreationCompteError as exc:
                form.email.errors.append(str(exc))
            else:
                flash(f"Le compte a été créé ; un courriel a été envoyé à {data['email']}.", "success")
                return redirect(url_for("ComptesGestionView.creer"))
        return self.render_template("comptes/gestion_creer.html", title="Créer un compte intervenant", form=form)

    @expose("/identifiants-provisoires")
    @has_access
    def rechercher(self):
        """National admin: find the account (by e-mail) to send provisional credentials to."""
        email = (request.args.get("email") or "").strip().lower()[:254]
        compte = None
        if email:
            compte = db.session.scalar(select(User).where(User.email == email))
            if compte is not None:
                return redirect(url_for("ComptesGestionView.identifiants_provisoires", pk=compte.id))
        return self.render_template(
            "comptes/identifiants_provisoires_recherche.html",
            title="Identifiants provisoires",
            email=email,
            introuvable=bool(email),
        )

    @expose("/<int:pk>/identifiants-provisoires", methods=["GET", "POST"])
    @has_access
    def identifiants_provisoires(self, pk):
        user = db.session.get(User, pk)
        if user is None:
            abort(404)
        form = forms.IdentifiantsProvisoiresForm()
        if request.method == "GET":
            form.email.data = user.email
        if form.validate_on_submit():
            if auth.email_pris(form.email.data, sauf_user_id=user.id):
                form.email.errors.append("Cette adresse e-mail est déjà utilisée par un autre compte.")
            elif not cycle_compte.peut(user.id, "attribuer_provisoires", Acteur.from_user(g.user)):
                etat = cycle_compte.etat_de(auth.etat_du_compte(user.id))
                flash(f"Impossible d'envoyer des identifiants provisoires à un compte « {etat.libelle} » : "
                      "réactivez-le d'abord.", "danger")
            else:
                password = auth.mot_de_passe_aleatoire()
                auth.lever_ralentissement(user)  # before the identifier changes: it is counted by identifier
                user.email = user.username = form.email.data
                user.password = auth.hacher_mot_de_passe(password)
                cycle_compte.appliquer(user.id, "attribuer_provisoires", Acteur.from_user(g.user))
                etat = auth.etat_du_compte(user.id)
                etat.provisoire_jusqua = base.utcnow() + auth.VALIDITE_PROVISOIRE
                auth.invalider_jetons(user.id, TypeJeton.reinitialisation)
                sessions.invalider_sessions(user)
                queue_email(
                    user.email,
                    "compte_identifiants_provisoires",
                    "Vos identifiants de connexion provisoires",
                    prenom=user.first_name,
                    nom=user.last_name,
                    identifiant=user.email,
                    mot_de_passe=Secret(password),
                    expire_le=format_date(etat.provisoire_jusqua, "%d/%m/%Y"),
                    lien=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("AuthDBView.login"),
                )
                db.session.commit()
                flash(f"Des identifiants provisoires valables 7 jours ont été envoyés à {user.email}.", "success")
                return redirect(url_for("ComptesGestionView.identifiants_provisoires", pk=pk))
        return self.render_template(
            "comptes/identifiants_provisoires.html", title="Identifiants provisoires", form=form, compte=user
        )


class CompteApi(BaseApi):
    """Account creation by the internal management software."""

    resource_name = "comptes"
    allow_browser_login = True
    csrf_exempt = True

    @expose("/", methods=["POST"])
    @protect()
    def post(self):
        """Create an intervenant account (JSON body, or form-encoded).
        ---
        post:
          description: Create an intervenant account; the person receives an e-mail.
          responses:
            201:
              description: Account created
            400:
              $ref: '#/components/responses/400'
            409:
              description: An account already exists
        """
        if current_app.config.get("WTF_CSRF_ENABLED") and not request.headers.get("Authorization"):
            # Signed in by the session cookie (browser): the CSRF token is required.
            csrf.protect()
        payload = request.get_json(silent=True)
        data = MultiDict(payload) if isinstance(payload, dict) else MultiDict(request.form)
        if not data.get("nom_usage"):
            data["identique_nom"] = "y"
        form = forms.CompteBackofficeForm(formdata=data, meta={"csrf": False})
        if not form.validate():
            return self.response_400(message=form.errors)
        structure_id = current_structure_id()
        if is_national():
            code = data.get("structure")
            structure_id = db.session.scalar(select(Structure.id).where(Structure.code == code)) if code else None
        elif structure_id is None:
            return self.response_403()
        values = {name: form[name].data for name in ("civilite", "nom_naissance", "nom_usage", "prenom", "date_naissance", "email")}
        if form.identique_nom.data or not values["nom_usage"]:
            values["nom_usage"] = values["nom_naissance"]
        try:
            user = creer_compte_backoffice(values, structure_id, current_user.username)
        except CreationCompteError as exc:
            return self.response(exc.status, message=str(exc))
        profil_id = db.session.scalar(select(Intervenant.id).where(Intervenant.user_id == user.id))
        return self.response(201, id=profil_id, email=user.email)
