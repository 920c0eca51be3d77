"""Gestionnaire back office (FAB generated screens)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models.comptes import EtatInscription, Intervenant
from app.views.base import EspaceModelView
from app.views.filters import FilterMaStructure


class DemandeInscriptionView(EspaceModelView):
    """Inscription requests addressed to the gestionnaire's structure."""

    datamodel = SQLAInterface(Intervenant)
    route_base = "/gestion/demandes-inscription"
    include_route_methods = {"list", "show"}
    base_permissions = ["can_list", "can_show"]
    base_filters = [["structure_id", FilterMaStructure, None]]
    base_order = ("date_transmission", "desc")
    list_title = "Demandes d'inscription"
    show_title = "Demande d'inscription"
    list_columns = ["nom_usage", "prenom", "structure.nom", "etat_inscription", "date_transmission"]
    show_columns = [
        "civilite",
        "nom_naissance",
        "nom_usage",
        "prenom",
        "date_naissance",
        "structure.nom",
        "etat_inscription",
        "date_transmission",
        "immatriculation",
    ]
    search_columns = ["nom_usage", "prenom", "etat_inscription", "date_transmission"]
    label_columns = {
        "civilite": "Civilité",
        "nom_naissance": "Nom de famille (naissance)",
        "nom_usage": "Nom d'usage",
        "prenom": "Prénom",
        "date_naissance": "Date de naissance",
        "structure.nom": "Structure de rattachement",
        "structure": "Structure de rattachement",
        "etat_inscription": "État",
        "date_transmission": "Date de transmission",
        "immatriculation": "Immatriculation",
    }
    formatters_columns = {
        "etat_inscription": lambda v: EtatInscription(v).libelle if v else "",
    }
