"""REST API for the internal management software (FAB ModelRestApi)."""

from __future__ import annotations

import re

from marshmallow import ValidationError

from app.models.comptes import Intervenant
from app.views.api_parametres import ApiModeleEspace
from app.views.filters import FilterDemandesVisibles
from app.views.interface import InterfaceEspace

#: The form of the numbers the Espace gives at the first intervention (issue 23).
IMMATRICULATION_GENEREE = re.compile(r"IMM\d{7}")


def _pas_un_numero_genere(valeur) -> None:
    """The numbers « IMM0000001 »… are given by ``app.operations.interventions``: one typed
    here could be given again to someone else."""
    if valeur and IMMATRICULATION_GENEREE.fullmatch(valeur.strip()):
        raise ValidationError("Les numéros IMM suivis de sept chiffres sont attribués par l'Espace Intervenants "
                              "à la première intervention.")


class IntervenantApi(ApiModeleEspace):
    """Intervenant profiles for the internal management software, limited like
    the screens (own structure). The only writable field is the
    immatriculation, given by the management software once the person has
    intervened: it freezes identity, address, statut and employer on the profile."""

    resource_name = "intervenants"
    datamodel = InterfaceEspace(Intervenant)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info", "put"}
    # Declared explicitly (issue 19, point 8): FAB's defaults are every column,
    # and ``_info`` lists the choices of each relation (``user``: every account).
    # No add route: add_columns only keeps FAB from defaulting to every column.
    add_columns = edit_columns = ["immatriculation"]
    add_query_rel_fields = edit_query_rel_fields = {}
    validators_columns = {"immatriculation": _pas_un_numero_genere}
    #: Filters on what the list shows (no phone, address or birth date oracle).
    search_columns = ["nom_usage", "prenom", "etat_inscription", "date_transmission", "immatriculation"]
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
