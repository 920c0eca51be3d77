"""Public portal: home page and the pages linked from every footer."""

from __future__ import annotations

from flask_appbuilder import BaseView, IndexView, expose


class AccueilView(IndexView):
    """Home page (public)."""

    index_template = "portail/accueil.html"


class PagesView(BaseView):
    """Information and legal pages, public, one template each."""

    route_base = ""
    default_view = "mentions_legales"

    @expose("/accessibilite")
    def accessibilite(self):
        return self.render_template("portail/accessibilite.html")

    @expose("/plan-acces")
    def plan_acces(self):
        return self.render_template("portail/plan_acces.html")

    @expose("/mentions-legales")
    def mentions_legales(self):
        return self.render_template("portail/mentions_legales.html")

    @expose("/aide-et-contact")
    def aide_contact(self):
        return self.render_template("portail/aide_contact.html")
