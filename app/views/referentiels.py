"""Public JSON look-ups used by the forms (commune from postal code, employer
autocompletion). No @has_access: the data is public and the registration form
needs it before the user has an account."""

from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose

from app.referentiels.lookups import communes_for_postal_code, search_employeurs

#: Public reference data changes rarely: let browsers keep answers a while.
CACHE_SECONDS = 3600


def _json_list(items: list):
    response = jsonify(items)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


class ReferentielLookupView(BaseView):
    """Bad input (malformed postal code, query too short) gives an empty list:
    these URLs are called on each keystroke."""

    route_base = "/referentiels"
    default_view = "communes"
    include_route_methods = {"communes", "employeurs"}

    @expose("/communes")
    def communes(self):
        """GET ?code_postal=75004 → [{code_insee, nom, code_postal, libelle_acheminement}]."""
        return _json_list(communes_for_postal_code(request.args.get("code_postal", "")))

    @expose("/employeurs")
    def employeurs(self):
        """GET ?q=CANNES or ?q=2106 (SIRET prefix) → at most 20 employers."""
        return _json_list(search_employeurs(request.args.get("q", "")))
