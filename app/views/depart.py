"""« Me désinscrire » and « Récupérer mes données » (Mon compte, issue 24,
manual §9 and §11), and the national administration's export of an archived
account's data from its support request.

The pages read and render; ``app.operations.depart`` (leaving) and
``app.operations.donnees_personnelles`` (the file) do the work.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.jobs.depart import preparer_export
from app.models import base
from app.models.depart import EtatExport, ExportDonnees
from app.models.regles_depart import Conservation, messages
from app.models.support import DemandeSupport, EtatDemandeSupport
from app.operations import depart, executer, export_donnees
from app.operations.support import compte_du_demandeur
from app.security.scope import perimetre_courant
from app.views.actions import agir

#: The support request type « Demander la récupération de mes données personnelles ».
CODE_RECUPERATION = "RECUPERATION_DONNEES"

MESSAGE_ARCHIVE = (
    "Votre compte est archivé : vous avez été déconnecté(e). Un e-mail vous indique la date de suppression "
    "de vos données personnelles."
)


class DepartView(BaseView):
    """Mon compte / Me désinscrire, Récupérer mes données (own account only)."""

    route_base = "/mon-compte"
    default_view = "desinscription"

    @expose("/me-desinscrire", methods=["GET", "POST"])
    @has_access
    def desinscription(self):
        profil = depart.profil_de(g.user.id)
        if profil is None:  # staff accounts are closed by the national administration
            abort(404)
        form = FlaskForm()
        if form.validate_on_submit():
            if not agir(depart.desinscrire, g.user):
                return redirect(url_for("DepartView.desinscription"))
            logout_user()
            flash(MESSAGE_ARCHIVE, "info")
            return redirect(current_app.appbuilder.get_url_for_index)
        decision = depart.decision_pour(profil)
        return self.render_template("depart/desinscription.html", title="Me désinscrire", form=form,
                                    decision=decision,
                                    message=messages(decision.cas, Conservation.depuis(current_app.config)))

    @expose("/recuperer-mes-donnees", methods=["GET", "POST"])
    @has_access
    def donnees(self):
        """« Récupérer » builds the file by a job; the page follows it."""
        if depart.profil_de(g.user.id) is None:
            abort(404)
        form = FlaskForm()
        if form.validate_on_submit():
            export = executer(export_donnees.demander, g.user.id, g.user.id)
            enqueue(preparer_export, export.id)
            return redirect(url_for("DepartView.donnees"))
        dernier = db.session.scalar(
            select(ExportDonnees).where(ExportDonnees.user_id == g.user.id, ExportDonnees.demandeur_id == g.user.id)
            .order_by(ExportDonnees.id.desc()).limit(1))
        return self.render_template("depart/donnees.html", title="Récupérer mes données", form=form,
                                    export=dernier, maintenant=base.utcnow(), etats=EtatExport)

    @expose("/recuperer-mes-donnees/<int:pk>")
    @has_access
    def telecharger(self, pk):
        """The file, once, by its owner, before it expires."""
        export = db.session.get(ExportDonnees, pk)
        if export is None or export.user_id != g.user.id or export.demandeur_id != g.user.id:
            abort(404)
        contenu = executer(export_donnees.retirer, export)
        if contenu is None:
            flash(MESSAGE_LIEN_USAGE, "warning")
            return redirect(url_for("DepartView.donnees"))
        return _fichier(contenu)


MESSAGE_LIEN_USAGE = (
    "Ce fichier a déjà été téléchargé ou n'est plus disponible (lien à usage unique et limité dans le temps) : "
    "cliquez sur « Récupérer » pour en préparer un nouveau."
)
NOM_FICHIER = "mes-donnees-espace-intervenants.xlsx"


def _fichier(contenu: bytes) -> Response:
    reponse = Response(contenu, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    reponse.headers["Content-Disposition"] = f'attachment; filename="{NOM_FICHIER}"'
    reponse.headers["Cache-Control"] = "no-store"
    return reponse


class LienDonneesView(BaseView):
    """The e-mailed link of an archived account's export (no account to sign
    in with): a page with a button, so that a mail scanner opening the link
    does not use it up; the file once, before it expires."""

    route_base = "/donnees"
    default_view = "telecharger"

    @expose("/<token>", methods=["GET", "POST"])
    def telecharger(self, token):
        export = export_donnees.du_lien(token)
        valide = export is not None and export.etat == EtatExport.pret and export.expire_le > base.utcnow()
        form = FlaskForm()
        if valide and form.validate_on_submit():
            contenu = executer(export_donnees.retirer, export)
            if contenu is not None:
                return _fichier(contenu)
            valide = False
        return self.render_template("depart/lien_donnees.html", title="Vos données personnelles", form=form,
                                    valide=valide, export=export)


class ExportDonneesGestionView(BaseView):
    """National administration: the data of an archived account, from its
    support request « Demander la récupération de mes données personnelles »,
    sent to the requester by a single-use, time-limited link."""

    route_base = "/gestion/donnees-personnelles"
    default_view = "exporter"

    @expose("/support/<int:pk>", methods=["POST"])
    @has_access
    def exporter(self, pk):
        demande = db.session.get(DemandeSupport, pk)
        if demande is None or demande.etat == EtatDemandeSupport.a_confirmer or not perimetre_courant().national:
            abort(404)
        if not FlaskForm().validate_on_submit():
            abort(400)
        user = compte_du_demandeur(demande)
        if demande.type.code != CODE_RECUPERATION:
            flash("Cette demande n'est pas une demande de récupération des données personnelles.", "danger")
        elif user is None or depart.profil_de(user.id) is None:
            flash(f"Aucun compte intervenant ne correspond à l'adresse e-mail {demande.email}.", "danger")
        else:
            export = executer(export_donnees.demander_pour_support, demande, user.id, depart.profil_de(user.id).id,
                              g.user.id)
            enqueue(preparer_export, export.id)
            flash(f"Le fichier des données personnelles est en préparation ; un lien à usage unique sera envoyé "
                  f"à {demande.email}. Répondez au demandeur pour l'en informer.", "success")
        return redirect(url_for("SupportGestionView.show", pk=pk))
