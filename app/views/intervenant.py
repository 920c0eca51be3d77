"""Intervenant self-service pages (own rows only)."""

from __future__ import annotations

from flask import abort
from flask_appbuilder import BaseView, expose, has_access

from app.security.scope import current_intervenant
from app.workflows.inscription import inscription


class MonProfilView(BaseView):
    """The signed-in intervenant's own profile summary and its history."""

    route_base = "/mon-profil"
    default_view = "show"

    @expose("/")
    @has_access
    def show(self):
        intervenant = current_intervenant()
        if intervenant is None:
            abort(404)
        return self.render_template(
            "intervenant/mon_profil.html",
            intervenant=intervenant,
            historique=inscription.history(intervenant, for_intervenant=True),
        )
