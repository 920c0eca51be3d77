"""Roles and their permissions, declared in code.

``flask roles sync`` (``app.security.sync.sync_roles``) makes the database match
this file exactly: every permission/view pair a role should have is granted,
every other one is revoked. A role is a list of ``(permission, view_menu)``
pairs; cumulative lists (as in Airflow) keep the declarations short.
"""

from __future__ import annotations

INTERVENANT = "Intervenant"
GESTIONNAIRE = "Gestionnaire"
ADMIN_NATIONAL = "Administrateur national"
ADMIN = "Admin"  # FAB's built-in superuser role (every permission)
PUBLIC = "Public"

#: The national administration: every structure (FAB's Admin included).
NATIONAL = frozenset({ADMIN_NATIONAL, ADMIN})
#: Staff: the national administration and the structures' gestionnaires.
PERSONNEL = NATIONAL | {GESTIONNAIRE}

#: Permission giving access to the flask-admin console at /backoffice.
PERM_BACKOFFICE = ("can_access", "Backoffice")

#: Permissions of pages that are not FAB views, created by the sync command.
EXTRA_PERMISSIONS = (PERM_BACKOFFICE,)

# Messagerie interne (issue 21): intervenants (once validated) and gestionnaires.
_MESSAGERIE = [
    *[(p, v) for v in ("ReceptionView", "EnvoyesView", "BrouillonsView") for p in ("can_liste", "can_show", "can_action_post")],
    ("can_ecrire", "EcrireView"),
    ("can_destinataires", "EcrireView"),
    *[("menu_access", m) for m in ("Messagerie", "Boîte de réception", "Écrire un message", "Messages envoyés",
                                   "Messages brouillons")],
]

# FAB's own pages every signed-in user needs (own info, own password).
_COMPTE = [
    ("can_userinfo", "UtilisateurView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    # Own credentials (app.views.comptes.CompteView)
    ("can_mot_de_passe", "CompteView"),
    ("can_email", "CompteView"),
    ("can_identifiants", "CompteView"),
    ("can_deconnexion_partout", "CompteView"),
    # Own second factor (issue 28: app.views.deux_facteurs.DeuxFacteursView)
    *[(f"can_{m}", "DeuxFacteursView") for m in ("parametres", "enroler", "codes_secours", "desactiver")],
    ("menu_access", "Double authentification"),
    ("menu_access", "Changer mon mot de passe"),
    ("menu_access", "Changer mon identifiant"),
    ("menu_access", "Mon compte"),  # their category: without it the entries are not shown
]

_INTERVENANT = _COMPTE + _MESSAGERIE + [
    ("can_show", "MonProfilView"),
    ("can_telecharger", "FichierView"),
    ("menu_access", "Mon profil"),
    # Profile pages (issue #4)
    *[(f"can_{m}", "ProfilView") for m in ("identification", "parcours", "ajouter", "modifier", "supprimer")],
    ("menu_access", "Mes informations"),
    ("menu_access", "Mon parcours"),
    # Annonces (issue #5): own candidatures
    ("can_liste", "MesCandidaturesView"),
    ("menu_access", "Mes réponses aux annonces"),
    # Suggestions (issue 37): the open annonces that fit best
    ("can_liste", "AnnoncesPourVousView"),
    ("menu_access", "Annonces pour vous"),
    ("menu_access", "Tableau de bord"),
    # Own support requests (issue 22)
    ("can_liste", "MesDemandesSupportView"),
    ("can_demande", "MesDemandesSupportView"),
    ("menu_access", "Mes demandes de support"),
    # Indisponibilités (issue 23, point 4)
    *[(f"can_{m}", "MesIndisponibilitesView") for m in ("liste", "ajouter", "modifier", "supprimer")],
    ("menu_access", "Mes indisponibilités"),
    # Dossier administratif (issue 20)
    ("can_page", "MonDossierView"),
    ("menu_access", "Mes données et documents"),
    # Leaving and personal data (issue 24)
    *[(f"can_{m}", "DepartView") for m in ("desinscription", "donnees", "telecharger")],
    ("menu_access", "Récupérer mes données"),
    ("menu_access", "Me désinscrire"),
    # Interventions and lettres de demande (issue 23)
    ("can_liste", "MesInterventionsView"),
    ("can_lettre", "MesInterventionsView"),
    # The online answer to a lettre de demande (issue 37, point 6)
    *[(f"can_{m}", "MesInterventionsView") for m in ("fiche", "accepter", "refuser", "lettre_acceptee")],
    ("menu_access", "Mes interventions"),
]

_GESTIONNAIRE = _COMPTE + _MESSAGERIE + [
    ("can_list", "DemandeInscriptionView"),
    ("can_show", "DemandeInscriptionView"),
    ("can_decider", "DecisionInscriptionView"),
    ("can_recherche", "CvthequeView"),
    ("can_profil", "CvthequeView"),
    ("can_export", "CvthequeView"),
    ("menu_access", "CV-thèque"),
    ("menu_access", "Demandes d'inscription"),
    ("menu_access", "Gestion"),
    ("can_get", "IntervenantApi"),
    ("can_info", "IntervenantApi"),
    ("can_put", "IntervenantApi"),
    ("can_telecharger", "FichierView"),
    # Accounts created by the back office (screen and API)
    ("can_creer", "ComptesGestionView"),
    ("menu_access", "Créer un compte intervenant"),
    ("can_post", "CompteApi"),
    # Annonces and candidatures of the structure (issue #5)
    *[(p, "AnnonceGestionView") for p in ("can_list", "can_show", "can_add", "can_edit", "publier", "depublier", "cloturer")],
    ("menu_access", "Annonces"),
    # Suggestions (issue 37): « Intervenants suggérés », « Inviter à candidater » (screen and API)
    ("can_annonce", "SuggestionsGestionView"),
    ("can_inviter", "SuggestionsGestionView"),
    ("can_suggestions", "SuggestionsApi"),
    *[(p, "CandidatureGestionView") for p in ("can_list", "can_show", "etudier", "ne_pas_retenir", "ecrire")],
    # Messagerie (issue 21): one message to the applicants of an annonce
    ("can_ecrire", "EnvoiCandidatsView"),
    ("can_envoi", "EnvoiCandidatsView"),
    ("menu_access", "Candidatures"),
    # Support requests addressed to the structure (issue 22)
    ("can_list", "SupportGestionView"),
    ("can_show", "SupportGestionView"),
    ("menu_access", "Demandes de support"),
    # Dossiers administratifs (issue 20): queue, dossier, request, review
    *[(f"can_{m}", "DossierGestionView") for m in ("list", "show", "demander", "decider", "afficher")],
    ("menu_access", "Dossiers administratifs"),
    # Interventions and lettres de demande (issue 23): screens and API
    *[(p, "InterventionGestionView") for p in ("can_list", "can_show", "can_add", "can_edit", "can_lettre",
                                                "demarrer", "realiser", "annuler")],
    ("menu_access", "Interventions"),
    *[(p, "LettreGestionView") for p in ("can_list", "can_show", "envoyer", "renvoyer", "accepter", "executer", "terminer",
                                          "annuler")],
    ("menu_access", "Lettres de demande"),
    *[(p, "InterventionApi") for p in ("can_get", "can_info", "can_post", "can_put", "can_etat")],
    *[(p, "LettreDemandeApi") for p in ("can_get", "can_pdf")],
    ("can_get", "DossierApi"),
    ("can_get", "OpenApi"),
]

# FAB's security screens (users, roles...): national administration only.
_SECURITE = [
    (perm, view)
    for view, perms in {
        "UtilisateurView": ["can_list", "can_show", "can_add", "can_edit", "can_delete", "desactiver", "reactiver",
                            "deverrouiller", "reinitialiser_second_facteur"],
        "RoleView": ["can_list", "can_show", "can_add", "can_edit", "can_delete", "copyrole"],
        "UserInfoEditView": ["can_this_form_get", "can_this_form_post"],
        "PermissionView": ["can_list"],
        "ViewMenuView": ["can_list"],
        "PermissionViewView": ["can_list"],
        "GroupeView": ["can_list", "can_show", "can_add", "can_edit", "can_delete"],
    }.items()
    for perm in perms
] + [
    ("menu_access", "Security"),
    ("menu_access", "List Users"),
    ("menu_access", "List Roles"),
    ("menu_access", "List Groups"),
    ("menu_access", "Base Permissions"),
    ("menu_access", "Views/Menus"),
    ("menu_access", "Permission on Views/Menus"),
]

_ADMIN_NATIONAL = _GESTIONNAIRE + _SECURITE + [
    PERM_BACKOFFICE,
    ("can_identifiants_provisoires", "ComptesGestionView"),
    ("can_rechercher", "ComptesGestionView"),
    ("menu_access", "Identifiants provisoires"),
    # Support (issue 22): reactivate an archived account from its request
    ("can_reactiver", "SupportGestionView"),
    # Issue 24: the data of an archived account, from its support request
    ("can_exporter", "ExportDonneesGestionView"),
    ("menu_access", "Administration nationale"),
    ("menu_access", "Console d'administration"),
]

ROLES: dict[str, list[tuple[str, str]]] = {
    PUBLIC: [],
    INTERVENANT: _INTERVENANT,
    GESTIONNAIRE: _GESTIONNAIRE,
    ADMIN_NATIONAL: _ADMIN_NATIONAL,
}

#: Roles the application manages (FAB's Admin is all-powerful by construction).
MANAGED_ROLES = tuple(ROLES)
