"""Account pages: registration, activation, captcha, passwords, e-mail change,
accounts created by the back office and provisional credentials.

Each page parses its form and runs one operation of app.operations.comptes
(one transaction, through app.operations.executer / app.views.actions.agir).
"""

from __future__ import annotations

import logging

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
from app.jobs import comptes as comptes_jobs
from app.jobs import enqueue
from app.models.authentification import EtatCompteUtilisateur, TypeJeton
from app.models.comptes import Intervenant
from app.models.referentiels import Structure
from app.operations import comptes as operations
from app.operations import executer
from app.security import auth, sessions
from app.security.scope import current_structure_id, is_national
from app.views.actions import agir
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


def nouveau_captcha(form, ancien: str | None = None) -> None:
    """A form's new challenge (``ancien``, the one it showed, used up)."""
    form.captcha_id.data = executer(captcha.renouveler, ancien)
    form.captcha.data = ""


def captcha_ok(form) -> bool:
    """Consume the challenge (right or wrong, it serves once); on failure the
    error goes next to the field. An empty answer is a failure without a message."""
    if not form.captcha.data:
        return False
    ok = executer(captcha.verifier, form.captcha_id.data, form.captcha.data)
    if not ok:
        form.captcha.errors = [*form.captcha.errors, captcha.MESSAGE_INVALIDE]
    return ok


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
            nouveau_captcha(form)
            return self._render(form)
        if form.autre_image.data:
            # "Générer une autre image": the form comes back filled, new challenge.
            nouveau_captcha(form, form.captcha_id.data)
            return self._render(form)
        valid = form.validate_on_submit()
        resolu = captcha_ok(form)
        ouverts = set(session.get(SESSION_DOCUMENTS, []))
        manquants = [label for key, label in DOCUMENTS.items() if key not in ouverts]
        if not (valid and resolu and not manquants):
            if manquants:
                flash("Cliquez sur chacun des trois liens pour les valider : " + " ; ".join(manquants) + ".", "danger")
            nouveau_captcha(form)
            return self._render(form, manquants=manquants), 422
        nom_usage = form.nom_naissance.data if form.identique_nom.data else form.nom_usage.data
        identite = auth.identite_normalisee(
            form.civilite.data, form.nom_naissance.data, form.prenom.data, form.date_naissance.data
        )
        doublon = auth.chercher_doublon(form.email.data, identite)
        if doublon is None:
            donnees = {name: form[name].data for name in
                       ("civilite", "nom_naissance", "prenom", "date_naissance", "email", "password")}
            try:
                user = executer(operations.inscrire, donnees, nom_usage, identite, session.get("inscription_annonce"))
            except IntegrityError:
                # A concurrent submission won the race: the unique indexes refused this one.
                doublon = auth.chercher_doublon(form.email.data, identite) or auth.Doublon(archive=False)
        if doublon is not None:
            archive = doublon.archive
            if not archive:  # an archived one: the page's own notice says it, with the link (once)
                flash(MESSAGE_DOUBLON, "danger")
            nouveau_captcha(form)
            return self._render(form, doublon_archive=archive), 409
        session.pop(SESSION_DOCUMENTS, None)
        session.pop("inscription_annonce", None)
        return self.render_template("comptes/inscription_envoyee.html", title="Remplir un CV en ligne", email=user.email)

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
        try:
            user = executer(operations.activer, token)
        except WorkflowError:
            user = None
        if user is None:
            return self._lien_invalide("inscription")
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
            nouveau_captcha(form)
            return self._render(form)
        if form.autre_image.data:
            nouveau_captcha(form, form.captcha_id.data)
            return self._render(form)
        valid = form.validate_on_submit()
        resolu = captcha_ok(form)
        if not (valid and resolu):
            nouveau_captcha(form)
            return self._render(form), 422
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
            if executer(operations.reinitialiser_mot_de_passe, jeton, form.password.data) is None:
                return self._lien_invalide()
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
                # Every session of the account ends; this browser gets a new one.
                executer(operations.changer_mot_de_passe, user, form.password.data)
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
        executer(operations.deconnecter_partout, g.user)
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
                form.email.errors.append(operations.EMAIL_PRIS)
            else:
                executer(operations.demander_changement_email, user, form.email.data)
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
                form.email.errors.append(operations.EMAIL_PRIS)
            else:
                executer(operations.personnaliser_identifiants, user, form.email.data, form.password.data)
                sessions.ouvrir(user)  # the others ended with the new password
                session.pop(auth.SESSION_A_PERSONNALISER, None)
                flash("Vos identifiants de connexion ont été personnalisés.", "success")
                return redirect(current_app.appbuilder.get_url_for_index)
        return self.render_template("comptes/identifiants.html", title="Vos identifiants de connexion", form=form)


class LienCompteView(BaseView):
    """Links sent by e-mail that do not need a session: the token is the proof."""

    route_base = "/compte/lien"
    default_view = "confirmer_email"

    @expose("/email/<token>")
    def confirmer_email(self, token):
        user, refus = executer(operations.confirmer_email, token)
        if user is None:
            if refus:
                flash(refus, "danger")
            return self._invalide()
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
            user = executer(operations.personnaliser_par_lien, jeton, form.password.data)
            if user is None:
                return self._invalide()
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
            if agir(operations.creer_compte_backoffice, data, structure_id, g.user.username, champ=form.email,
                    succes=f"Le compte a été créé ; un courriel a été envoyé à {data['email']}."):
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
                form.email.errors.append(operations.EMAIL_PRIS)
            elif agir(operations.attribuer_identifiants_provisoires, user, form.email.data, Acteur.from_user(g.user),
                      succes=f"Des identifiants provisoires valables 7 jours ont été envoyés à {form.email.data}."):
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
            user = executer(operations.creer_compte_backoffice, values, structure_id, current_user.username)
        except operations.CreationCompteError as exc:
            return self.response(exc.status, message=str(exc))
        profil_id = db.session.scalar(select(Intervenant.id).where(Intervenant.user_id == user.id))
        return self.response(201, id=profil_id, email=user.email)
