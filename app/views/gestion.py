"""Gestionnaire back office: the queue of inscription requests of their
structure (a declared list) and the decisions on a request."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app.extensions import db
from app.models.comptes import Intervenant
from app.operations import profil as operations
from app.security.scope import demande_visible
from app.views.actions import agir
from app.views.base import EspaceModelView, ListeDeclareeMixin
from app.views.file_inscriptions import DEMANDES
from app.views.filters import FilterDemandesVisibles
from app.views.interface import InterfaceEspace
from app.workflows.core import Acteur
from app.workflows.inscription import inscription

#: Decisions offered on the request page (event → button label).
DECISIONS = {"valider": "Valider", "rejeter": "Rejeter", "demander_complement": "Demander un complément"}


class DecisionForm(FlaskForm):
    commentaire = TextAreaField(
        "Commentaire (obligatoire pour Rejeter et Demander un complément)",
        validators=[Optional(), Length(max=4000)],
    )


class DemandeInscriptionView(ListeDeclareeMixin, EspaceModelView):
    """Inscription requests addressed to the gestionnaire's structure.

    The list is the declared ``file_inscriptions.DEMANDES`` (the user's
    structure by ``scope.Perimetre``, drafts left out); the base filter hides
    drafts and other structures' rows from the show page (404), the decision
    URL checks the same rule and the workflow guard checks the structure
    again before any decision.
    """

    datamodel = InterfaceEspace(Intervenant)
    route_base = "/gestion/demandes-inscription"
    include_route_methods = {"list", "show"}
    base_permissions = ["can_list", "can_show"]
    base_filters = [["structure_id", FilterDemandesVisibles, None]]
    list_title = "Demandes d'inscription"
    show_title = "Demande d'inscription"
    liste = DEMANDES
    textes_liste = {
        "total": "{n} demande(s) d'inscription",
        "aucun": "Aucune demande d'inscription.",
        "aucun_critere": "Aucune demande d'inscription ne correspond à ces critères.",
        "pages": "Pages des demandes d'inscription",
        "recherche": "Rechercher des demandes d'inscription",
    }

    def _item_or_404(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """Both profile pages, the files, the history and the decisions."""
        item = self._item_or_404(pk)
        return self._render(item, DecisionForm())

    def _render(self, item, form):
        return render_demande(self, item, form)


def render_demande(view, item, form):
    """The request page (both profile pages, files, history, decisions)."""
    acteur = Acteur.from_user(current_user)
    return view.render_template(
        "gestion/demande.html",
        p=item,
        coordonnees=True,  # a request to their structure (scope.demande_visible): in relation
        form=form,
        decisions=[t for t in inscription.available_events(item, acteur) if t.event in DECISIONS],
        historique=inscription.history(item),
        title=DemandeInscriptionView.show_title,
    )


class DecisionInscriptionView(BaseView):
    """POST of a decision (Valider / Rejeter / Demander un complément) on a
    request of the gestionnaire's structure; kept apart so that the FAB
    screen keeps only its list/show permissions."""

    route_base = "/gestion/decisions-inscription"
    include_route_methods = {"decider"}

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    def decider(self, pk):
        item = db.session.get(Intervenant, pk)
        # Same rule as the request page: a draft or another structure's request is a 404.
        if item is None or not demande_visible(item.etat_inscription, item.structure_id):
            abort(404)
        form = DecisionForm()
        event = request.form.get("decision")
        if event not in DECISIONS or not form.validate():
            abort(400)
        issue = agir(operations.decider, item, event, Acteur.from_user(current_user), form.commentaire.data,
                     champ=form.commentaire)
        if not issue:
            flash(issue.message, "danger")
            return render_demande(self, item, form)
        flash(f"Décision enregistrée : {DECISIONS[event]}. L'intervenant est informé par e-mail.", "success")
        return redirect(url_for("DemandeInscriptionView.show", pk=pk))
