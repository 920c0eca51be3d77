"""« Double authentification » in « Mon compte » (issue 28): enrolment (QR
code and secret, confirmed by a first code), recovery codes shown once, and
the optional choice of the people whose role does not require it.

The second step of the sign-in itself is ``AuthDBView.code``
(app.security.auth); the rules are in app.security.deux_facteurs.
"""

from __future__ import annotations

import base64

from flask import abort, flash, g, make_response, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.sqla.models import User
from flask_login import logout_user
from werkzeug.security import check_password_hash

from app.extensions import db
from app.forms import comptes as forms
from app.operations import executer
from app.security import deux_facteurs
from app.views.actions import agir


class DeuxFacteursView(BaseView):
    """Own second factor of the signed-in user (any role)."""

    route_base = "/compte/double-authentification"
    default_view = "parametres"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        blueprint = super().create_blueprint(appbuilder, endpoint=endpoint, static_folder=static_folder)
        blueprint.before_app_request(deux_facteurs.imposer_second_facteur)
        return blueprint

    def _utilisateur(self) -> User:
        return db.session.get(User, g.user.id)

    @expose("/")
    @has_access
    def parametres(self):
        user = self._utilisateur()
        actif = deux_facteurs.actif(user.id)
        return self.render_template(
            "comptes/double_authentification.html",
            title="Double authentification",
            actif=actif,
            obligatoire=deux_facteurs.obligatoire(user),
            restants=deux_facteurs.codes_restants(user.id) if actif else 0,
            form_codes=forms.NouveauxCodesSecoursForm(prefix="codes"),
            form_desactivation=forms.DesactivationSecondFacteurForm(prefix="desactivation"),
        )

    @expose("/activer", methods=["GET", "POST"])
    @has_access
    def enroler(self):
        """Enrolment (or a new device): the pending secret as a QR code and
        in text, confirmed by a first code; then the recovery codes."""
        user = self._utilisateur()
        if deux_facteurs.actif(user.id) and not session.get(deux_facteurs.CLE_VERIFIE):
            # A device is replaced only from a session that passed the second step.
            logout_user()
            return redirect(url_for("AuthDBView.login"))
        form = forms.ConfirmationSecondFacteurForm()
        if form.validate_on_submit():
            codes = executer(deux_facteurs.confirmer, user, form.code.data)
            if codes is not None:
                deux_facteurs.marquer_verifie()
                flash("La double authentification est activée.", "success")
                return self._codes(user, codes)
            form.code.errors.append("Code incorrect : vérifiez l'heure de votre appareil et saisissez le code affiché.")
        ligne = deux_facteurs.facteur(user.id)
        secret = ligne.secret_en_attente if ligne is not None and ligne.secret_en_attente else None
        if secret is None or (request.method == "GET" and request.args.get("nouveau")):
            secret = executer(deux_facteurs.demarrer, user)
        return self.render_template(
            "comptes/double_authentification_activer.html",
            title="Activer la double authentification",
            form=form,
            qr=deux_facteurs.qr_svg(deux_facteurs.uri(user, secret)),
            secret=deux_facteurs.secret_lisible(secret),
            obligatoire=deux_facteurs.obligatoire(user) and not deux_facteurs.actif(user.id),
        )

    @expose("/codes-de-secours", methods=["POST"])
    @has_access
    def codes_secours(self):
        """Ten new recovery codes (the old ones stop working); password asked."""
        user = self._utilisateur()
        form = forms.NouveauxCodesSecoursForm(prefix="codes")
        if not form.validate_on_submit():
            abort(400)
        if not deux_facteurs.actif(user.id):
            return redirect(url_for("DeuxFacteursView.parametres"))
        if not check_password_hash(user.password, form.mot_de_passe_actuel.data):
            flash("Le mot de passe actuel est incorrect : aucun nouveau code n'a été généré.", "danger")
            return redirect(url_for("DeuxFacteursView.parametres"))
        codes = executer(deux_facteurs.nouveaux_codes_secours, user.id)
        return self._codes(user, codes)

    @expose("/desactiver", methods=["POST"])
    @has_access
    def desactiver(self):
        """An optional second factor turned off (not for the roles that require it)."""
        user = self._utilisateur()
        form = forms.DesactivationSecondFacteurForm(prefix="desactivation")
        if not form.validate_on_submit():
            abort(400)
        if deux_facteurs.obligatoire(user):
            flash("La double authentification est obligatoire pour votre profil : elle ne peut pas être désactivée.", "danger")
        elif not check_password_hash(user.password, form.mot_de_passe_actuel.data):
            flash("Le mot de passe actuel est incorrect : la double authentification reste activée.", "danger")
        else:
            agir(deux_facteurs.retirer, user.id, succes="La double authentification est désactivée.")
        return redirect(url_for("DeuxFacteursView.parametres"))

    def _codes(self, user, codes: list[str]):
        """The recovery codes, shown once (not stored in clear), with their
        text file as a ``data:`` link (no second request can fetch them)."""
        texte = deux_facteurs.texte_codes_secours(user, codes)
        fichier = "data:text/plain;charset=utf-8;base64," + base64.b64encode(texte.encode("utf-8")).decode("ascii")
        response = make_response(self.render_template(
            "comptes/double_authentification_codes.html",
            title="Vos codes de secours",
            codes=codes,
            fichier=fichier,
        ))
        response.headers["Cache-Control"] = "no-store"
        return response
