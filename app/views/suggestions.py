"""Suggestions (issue 37): « Intervenants suggérés » on an annonce of the
gestionnaire's structure, with « Inviter à candidater »; « Annonces pour
vous », the intervenant's full ranked list. The ranking and the invitation
are ``app.operations.suggestions``; these views only show them and run the
invitation through ``agir`` (one transaction, its refusal in French)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.infra.formatting import format_date
from app.models.annonces import Annonce, EtatAnnonce
from app.models.comptes import Intervenant
from app.operations import suggestions
from app.security.scope import dans_ma_structure, intervenant_bref
from app.views.actions import agir
from app.views.liste import Colonne, Demande, Liste, Lot


def _classees(lignes: list) -> Lot:
    """A ranked list is one page: its rows in the ranking's order."""
    return Lot(lignes, len(lignes), 1, 1)


#: « Intervenants suggérés » of an annonce (``page(annonce=…)``, none unless
#: published): the ranking (a score per intervenant, computed by
#: ``suggestions.suggestions_annonce``, kept a few minutes:
#: ``suggestions_annonce_gardees``) is the order, its top rows the page.
SUGGESTIONS = Liste(
    nom="suggestions_annonce", table=Intervenant, cle=Intervenant.id,
    colonnes={
        "rang": Colonne("Rang", Intervenant.id, triable=False),
        "intervenant": Colonne("Intervenant", Intervenant.nom_usage, triable=False),
        "raisons": Colonne("Pourquoi", Intervenant.id, triable=False),
        "invitation": Colonne("Dernière invitation", Intervenant.id, triable=False),
    },
    ordre=("rang", "asc"), tailles=(suggestions.SUGGESTIONS_MAX,),
    source=lambda d: _classees(suggestions.suggestions_annonce_gardees(d.liees["annonce"].id, limite=d.taille)
                               if d.liees["annonce"].etat == EtatAnnonce.publiee else []),
)


def _pour_vous(demande: Demande) -> Lot:
    intervenant = demande.liees["intervenant"]
    return _classees(suggestions.annonces_pour_gardees(intervenant, limite=demande.taille)
                     if intervenant is not None else [])


#: « Annonces pour vous » (``page(intervenant=…)``): the intervenant's open
#: annonces in the order of their score, the ``POUR_VOUS_PAGE`` first.
POUR_VOUS = Liste(
    nom="annonces_pour_vous", table=Annonce, cle=Annonce.id,
    colonnes={
        "annonce": Colonne("Annonce", Annonce.numero, triable=False),
        "structure": Colonne("Structure", Annonce.structure_id, triable=False),
        "limite": Colonne("Date limite", Annonce.date_limite, triable=False),
        "raisons": Colonne("Pourquoi", Annonce.id, triable=False),
    },
    ordre=("annonce", "asc"), tailles=(suggestions.POUR_VOUS_PAGE,), source=_pour_vous,
)


def annonce_de_ma_structure(annonce_id: int) -> Annonce:
    """The annonce if the signed-in user acts for its structure, else 404
    (an annonce of another structure does not exist for them)."""
    annonce = db.session.scalar(select(Annonce).where(Annonce.id == annonce_id))
    if annonce is None or not dans_ma_structure(annonce.structure_id):
        abort(404)
    return annonce


class SuggestionsGestionView(BaseView):
    """« Intervenants suggérés » for one annonce, and the invitation."""

    route_base = "/gestion/suggestions"

    @expose("/annonce/<int:annonce_id>")
    @has_access
    def annonce(self, annonce_id: int):
        annonce = annonce_de_ma_structure(annonce_id)
        publiee = annonce.etat == EtatAnnonce.publiee
        return self.render_template(
            "suggestions/annonce.html",
            title=f"Intervenants suggérés — annonce n° {annonce.numero}",
            annonce=annonce,
            publiee=publiee,
            ouverte=publiee and annonce.ouverte_aux_candidatures(suggestions.utcnow().date()),
            suggestions=SUGGESTIONS.page(annonce=annonce).lignes,
            invites=suggestions.invitations_annonce(annonce.id),
            format_date=format_date,
        )

    @expose("/annonce/<int:annonce_id>/inviter", methods=["POST"])
    @has_access
    def inviter(self, annonce_id: int):
        annonce = annonce_de_ma_structure(annonce_id)
        issue = agir(suggestions.inviter, annonce.id, request.form.getlist("intervenant"), current_user.id)
        if issue:
            n = len(issue.valeur)
            if n:
                flash(f"{n} intervenant(s) invité(s) à candidater : chacun reçoit un message et un e-mail.", "success")
            else:
                flash("Ces intervenants avaient déjà été invités : aucun nouvel envoi.", "info")
        return redirect(url_for("SuggestionsGestionView.annonce", annonce_id=annonce.id))


class AnnoncesPourVousView(BaseView):
    """The intervenant's open annonces that fit best, with their reasons."""

    route_base = "/annonces-pour-vous"
    default_view = "liste"

    @expose("/")
    @has_access
    def liste(self):
        intervenant = intervenant_bref()  # id and état, read with the user
        return self.render_template(
            "suggestions/pour_vous.html",
            title="Annonces pour vous",
            annonces=POUR_VOUS.page(intervenant=intervenant.id if intervenant is not None else None).lignes,
            valide=intervenant is not None and intervenant.etat_inscription == "validee",
            format_date=format_date,
        )
