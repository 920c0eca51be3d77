"""« Mes indisponibilités » (Mon compte, issue 23 point 4): the intervenant
lists, adds, edits and deletes the periods when it is not available.

Own rows only: every row is looked up with the signed-in intervenant's id
(another's row is a 404, as for the Parcours rows); the list is a declared
list bound to that id. The CV-thèque reads these periods
(``app.models.indisponibilites.disponible_entre``).
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from app.extensions import db
from app.forms.indisponibilites import IndisponibiliteForm
from app.forms.profil import ConfirmationForm
from app.infra.formatting import format_date
from app.models.comptes import Intervenant
from app.models.indisponibilites import Indisponibilite
from app.operations import indisponibilites as operations
from app.security.scope import current_intervenant
from app.views.actions import agir
from app.views.liste import Colonne, Liste

MES_INDISPONIBILITES = Liste(
    table=Indisponibilite, cle=Indisponibilite.id,
    colonnes={
        "du": Colonne("Date de début", Indisponibilite.du, format_date),
        "au": Colonne("Date de fin (incluse)", Indisponibilite.au, format_date),
        "motif": Colonne("Motif", Indisponibilite.motif, triable=False),
    },
    ordre=("du", "desc"), tailles=(20, 50, 100), libelle_taille="Indisponibilités par page",
    liees={"intervenant": Indisponibilite.intervenant_id},
    objet=lambda c: f"l'indisponibilité du {c['du']} au {c['au']}",
    legende="Mes indisponibilités, triées par {tri}",
)

ENREGISTREE = "L'indisponibilité a été enregistrée."
SUPPRIMEE = "L'indisponibilité a été supprimée."


class MesIndisponibilitesView(BaseView):
    """The signed-in intervenant's periods of unavailability."""

    route_base = "/mes-indisponibilites"
    default_view = "liste"
    include_route_methods = {"liste", "ajouter", "modifier", "supprimer"}

    def _profil(self) -> Intervenant:
        profil = current_intervenant()
        if profil is None:
            abort(404)
        return profil

    def _ligne(self, profil: Intervenant, pk: int) -> Indisponibilite:
        ligne = db.session.scalar(
            select(Indisponibilite).where(Indisponibilite.id == pk, Indisponibilite.intervenant_id == profil.id)
        )
        if ligne is None:
            abort(404)
        return ligne

    @expose("/")
    @has_access
    def liste(self):
        profil = self._profil()
        return self.render_template("intervenant/indisponibilites.html", title="Mes indisponibilités",
                                    page=MES_INDISPONIBILITES.page(intervenant=profil.id))

    @expose("/ajouter", methods=["GET", "POST"])
    @has_access
    def ajouter(self):
        return self._formulaire(self._profil(), None)

    @expose("/<int:pk>/modifier", methods=["GET", "POST"])
    @has_access
    def modifier(self, pk):
        profil = self._profil()
        return self._formulaire(profil, self._ligne(profil, pk))

    def _formulaire(self, profil: Intervenant, ligne: Indisponibilite | None):
        form = IndisponibiliteForm(obj=ligne) if request.method == "GET" else IndisponibiliteForm()
        if request.method == "POST" and form.validate() and agir(
                operations.enregistrer, profil.id, ligne, form.du.data, form.au.data, form.motif.data,
                champ=form.du, succes=ENREGISTREE):
            return redirect(url_for("MesIndisponibilitesView.liste"))
        titre = "Ajouter une indisponibilité" if ligne is None else "Modifier l'indisponibilité"
        return self.render_template("intervenant/indisponibilite.html", form=form, ligne=ligne, title=titre)

    @expose("/<int:pk>/supprimer", methods=["GET", "POST"])
    @has_access
    def supprimer(self, pk):
        """GET asks for confirmation, POST deletes."""
        profil = self._profil()
        ligne = self._ligne(profil, pk)
        form = ConfirmationForm()
        if request.method == "POST" and form.validate():
            agir(operations.supprimer, ligne, succes=SUPPRIMEE)
            return redirect(url_for("MesIndisponibilitesView.liste"))
        return self.render_template("intervenant/indisponibilite_supprimer.html", form=form, ligne=ligne,
                                    title="Confirmer la suppression")
