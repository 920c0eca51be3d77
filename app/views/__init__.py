"""Registration of every FAB view and API, with the menu structure.

Every view declares the routes it exposes (``include_route_methods``) so that
no unused permission is created; the role × endpoint matrix test
(tests/securite/test_permission_matrix.py) lists every resulting endpoint.
"""

from __future__ import annotations

from app.forms.fiches import FICHES
from app.views.annonces import AnnoncesPubliquesView
from app.views.annonces_gestion import AnnonceGestionView, CandidatureGestionView
from app.views.api import IntervenantApi
from app.views.api_dossier import DossierApi
from app.views.api_interventions import register_apis
from app.views.candidatures import MesCandidaturesView
from app.views.comptes import (
    CaptchaView,
    CompteApi,
    ComptesGestionView,
    CompteView,
    InscriptionView,
    LienCompteView,
    MotDePasseView,
)
from app.views.cvtheque import CvthequeView
from app.views.depart import DepartView, ExportDonneesGestionView, LienDonneesView
from app.views.deux_facteurs import DeuxFacteursView
from app.views.dossier import DossierGestionView, MonDossierView, dossier_blocs
from app.views.fichiers import FichierView
from app.views.gestion import DecisionInscriptionView, DemandeInscriptionView
from app.views.indisponibilites import MesIndisponibilitesView
from app.views.intervenant import MonProfilView
from app.views.interventions import InterventionGestionView, LettreGestionView, MesInterventionsView
from app.views.messagerie import BrouillonsView, EcrireView, EnvoiCandidatsView, EnvoyesView, ReceptionView
from app.views.portail import PagesView
from app.views.profil import ProfilView
from app.views.referentiels import ReferentielLookupView
from app.views.suggestions import AnnoncesPourVousView, SuggestionsGestionView
from app.views.support import MesDemandesSupportView, SupportGestionView, SupportView


def register_views(appbuilder) -> None:
    appbuilder.add_view_no_menu(PagesView)
    # Annonces and candidatures (issue #5)
    appbuilder.add_view_no_menu(AnnoncesPubliquesView)
    appbuilder.add_view(
        MesCandidaturesView, "Mes réponses aux annonces", label="Mes réponses aux annonces",
        category="Tableau de bord", category_label="Tableau de bord", icon="fa-list",
    )
    appbuilder.add_view(
        AnnonceGestionView, "Annonces", label="Annonces", category="Gestion", category_label="Gestion",
        icon="fa-bullhorn",
    )
    # Suggestions (issue 37): « Intervenants suggérés » and « Annonces pour vous »
    appbuilder.add_view_no_menu(SuggestionsGestionView)
    appbuilder.add_view(
        AnnoncesPourVousView, "Annonces pour vous", label="Annonces pour vous",
        category="Tableau de bord", category_label="Tableau de bord", icon="fa-star",
    )
    appbuilder.add_view(
        CandidatureGestionView, "Candidatures", label="Candidatures aux annonces", category="Gestion",
        category_label="Gestion", icon="fa-users",
    )
    appbuilder.add_view_no_menu(FichierView)
    appbuilder.add_view_no_menu(ReferentielLookupView)
    # Accounts and credentials (issue #3)
    for account_view in (InscriptionView, CaptchaView, MotDePasseView, LienCompteView):
        appbuilder.add_view_no_menu(account_view)
    appbuilder.add_view(
        CompteView,
        "Changer mon mot de passe",
        label="Changer mon mot de passe",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-key",
    )
    appbuilder.add_view(
        DeuxFacteursView,
        "Double authentification",
        label="Double authentification",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-mobile",
    )
    appbuilder.add_link(
        "Changer mon identifiant",
        href="/compte/email",
        label="Changer mon identifiant (adresse e-mail)",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-envelope",
    )
    appbuilder.add_view(
        ComptesGestionView,
        "Créer un compte intervenant",
        label="Créer un compte intervenant",
        category="Gestion",
        category_label="Gestion",
        icon="fa-user-plus",
    )
    appbuilder.add_link(
        "Identifiants provisoires",
        href="/gestion/comptes/identifiants-provisoires",
        label="Identifiants provisoires",
        category="Administration nationale",
        category_label="Administration nationale",
        icon="fa-key",
    )
    appbuilder.add_api(CompteApi)
    appbuilder.add_view(
        MonProfilView,
        "Mon profil",
        label="Mon profil",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-id-card",
    )
    # Profile pages (issue #4)
    appbuilder.add_view(
        ProfilView,
        "Mes informations",
        label="Mes informations",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-user",
    )
    appbuilder.add_link(
        "Mon parcours",
        href="/profil/parcours",
        label="Mon parcours",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-graduation-cap",
    )
    # Indisponibilités (issue 23, point 4)
    appbuilder.add_view(
        MesIndisponibilitesView, "Mes indisponibilités", label="Mes indisponibilités",
        category="Mon compte", category_label="Mon compte", icon="fa-calendar",
    )
    # Dossier administratif dématérialisé (issue 20)
    appbuilder.app.add_template_global(dossier_blocs)
    # Detail pages declared once (issue 36 point 2): templates/widgets/_formulaire.html's `fiche`.
    appbuilder.app.add_template_global(FICHES, "fiches")

    appbuilder.add_view(
        MonDossierView, "Mes données et documents", label="Mes données et documents",
        category="Mon compte", category_label="Mon compte", icon="fa-folder-open",
    )
    # Leaving and personal data (issue 24)
    appbuilder.add_view(
        DepartView, "Récupérer mes données", label="Récupérer mes données", href="/mon-compte/recuperer-mes-donnees",
        category="Mon compte", category_label="Mon compte", icon="fa-download",
    )
    appbuilder.add_link(
        "Me désinscrire", href="/mon-compte/me-desinscrire", label="Me désinscrire",
        category="Mon compte", category_label="Mon compte", icon="fa-sign-out",
    )
    appbuilder.add_view_no_menu(LienDonneesView)
    appbuilder.add_view_no_menu(ExportDonneesGestionView)
    appbuilder.add_view(
        DossierGestionView, "Dossiers administratifs", label="Dossiers administratifs",
        category="Gestion", category_label="Gestion", icon="fa-folder",
    )
    appbuilder.add_api(DossierApi)  # /api/v1/dossiers/<intervenant_id>
    appbuilder.add_view_no_menu(DecisionInscriptionView)
    appbuilder.add_view(
        CvthequeView,
        "CV-thèque",
        label="CV-thèque",
        category="Gestion",
        category_label="Gestion",
        icon="fa-search",
    )
    appbuilder.add_view(
        DemandeInscriptionView,
        "Demandes d'inscription",
        label="Demandes d'inscription",
        category="Gestion",
        category_label="Gestion",
        icon="fa-inbox",
    )
    # Support « Aide et contact » (issue 22)
    appbuilder.add_view_no_menu(SupportView)
    appbuilder.add_view(
        MesDemandesSupportView,
        "Mes demandes de support",
        label="Mes demandes de support",
        category="Mon compte",
        category_label="Mon compte",
        icon="fa-life-ring",
    )
    appbuilder.add_view(
        SupportGestionView,
        "Demandes de support",
        label="Demandes de support",
        category="Gestion",
        category_label="Gestion",
        icon="fa-life-ring",
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
    # Messagerie interne (issue 21)
    for vue, nom, icone in ((ReceptionView, "Boîte de réception", "fa-inbox"),
                            (EcrireView, "Écrire un message", "fa-pencil"),
                            (EnvoyesView, "Messages envoyés", "fa-paper-plane"),
                            (BrouillonsView, "Messages brouillons", "fa-file-text-o")):
        appbuilder.add_view(vue, nom, label=nom, category="Messagerie", category_label="Messagerie", icon=icone)
    appbuilder.add_view_no_menu(EnvoiCandidatsView)
    # Interventions and lettres de demande (issue 23)
    appbuilder.add_view(
        MesInterventionsView, "Mes interventions", label="Mes interventions",
        category="Mon compte", category_label="Mon compte", icon="fa-calendar-check-o",
    )
    appbuilder.add_view(
        InterventionGestionView, "Interventions", label="Interventions",
        category="Gestion", category_label="Gestion", icon="fa-calendar",
    )
    appbuilder.add_view(
        LettreGestionView, "Lettres de demande", label="Lettres de demande",
        category="Gestion", category_label="Gestion", icon="fa-file-pdf-o",
    )
    register_apis(appbuilder)
    _libelles_francais(appbuilder)


#: FAB's security menu, in French (issue 27); names stay (permissions use them).
LIBELLES_MENU_SECURITE = {
    "Security": "Sécurité",
    "List Users": "Utilisateurs",
    "List Roles": "Rôles",
    "List Groups": "Groupes",
    "Base Permissions": "Permissions",
    "Views/Menus": "Vues et menus",
    "Permission on Views/Menus": "Permissions sur les vues et menus",
}


def _libelles_francais(appbuilder) -> None:
    for categorie in appbuilder.menu.get_list():
        for entree in (categorie, *categorie.childs):
            if entree.name in LIBELLES_MENU_SECURITE:
                entree.label = LIBELLES_MENU_SECURITE[entree.name]
