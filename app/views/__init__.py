"""Registration of every FAB view and API, with the menu structure.

Every view declares the routes it exposes (``include_route_methods``) so that
no unused permission is created; the role × endpoint matrix test
(tests/test_permission_matrix.py) lists every resulting endpoint.
"""

from __future__ import annotations


def register_views(appbuilder) -> None:
    from app.views.api import IntervenantApi
    from app.views.fichiers import FichierView
    from app.views.gestion import DemandeInscriptionView
    from app.views.intervenant import MonProfilView
    from app.views.portail import PagesView
    from app.views.referentiels import ReferentielLookupView

    appbuilder.add_view_no_menu(PagesView)
    appbuilder.add_view_no_menu(FichierView)
    appbuilder.add_view_no_menu(ReferentielLookupView)
    appbuilder.add_view(
        MonProfilView,
        "Mon profil",
        label="Mon profil",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-id-card",
    )
    appbuilder.add_view(
        DemandeInscriptionView,
        "Demandes d'inscription",
        label="Demandes d'inscription",
        category="Gestion",
        category_label="Gestion",
        icon="fa-inbox",
    )
    appbuilder.add_link(
        "Console d'administration",
        href="/backoffice/",
        label="Console d'administration",
        category="Administration nationale",
        category_label="Administration nationale",
        icon="fa-cogs",
    )
    appbuilder.add_api(IntervenantApi)
