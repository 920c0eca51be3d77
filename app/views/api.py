"""REST API for the internal management software (FAB ModelRestApi)."""

from __future__ import annotations

from flask_appbuilder.api import ModelRestApi

from app.models.comptes import Intervenant
from app.views.filters import FilterDemandesVisibles
from app.views.interface import InterfaceEspace


class IntervenantApi(ModelRestApi):
    """Intervenant profiles for the internal management software, limited like
    the screens (own structure). The only writable field is the
    immatriculation, given by the management software once the person has
    intervened: it freezes identity, address, statut and employer on the profile."""

    resource_name = "intervenants"
    datamodel = InterfaceEspace(Intervenant)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info", "put"}
    edit_columns = ["immatriculation"]
    base_filters = [["structure_id", FilterDemandesVisibles, None]]
    list_columns = ["id", "nom_usage", "prenom", "structure.code", "etat_inscription", "date_transmission"]
    show_columns = [
        "id",
        "civilite",
        "nom_naissance",
        "nom_usage",
        "prenom",
        "date_naissance",
        "structure.code",
        "etat_inscription",
        "date_transmission",
        "immatriculation",
    ]
    page_size = 20
    max_page_size = 100
