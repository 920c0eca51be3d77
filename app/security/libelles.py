"""Permissions in French, grouped by screen: what the roles screen offers.

A national administrator gives « CV-thèque : consulter, exporter », not
« can recherche on CvthequeView ». Each screen lists its rights; a right is
one French verb covering the (permission, view) pairs the code needs for it
(« consulter » = list + show). Menu entries are never given by hand: they
follow from the screens a role may use (``menus_pour``), with their category.

Every pair a role declares in ``app.security.roles`` (menu entries aside) has
its right here: tests/securite/test_administration.py checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.security.roles import PERM_BACKOFFICE

MENU = "menu_access"


@dataclass(frozen=True)
class Droit:
    libelle: str
    paires: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Ecran:
    titre: str
    droits: tuple[Droit, ...]


def _sur(vue: str, *permissions: str) -> tuple[tuple[str, str], ...]:
    return tuple((p, vue) for p in permissions)


ECRANS: tuple[Ecran, ...] = (
    Ecran("Mon compte", (
        Droit("modifier mon mot de passe et mon identifiant, me déconnecter de tous mes appareils", (
            ("can_userinfo", "UtilisateurView"),
            *_sur("ResetMyPasswordView", "can_this_form_get", "can_this_form_post"),
            *_sur("CompteView", "can_mot_de_passe", "can_email", "can_identifiants", "can_deconnexion_partout"),
        )),
    )),
    Ecran("Double authentification", (
        Droit("activer, paramétrer, régénérer les codes de secours",
              _sur("DeuxFacteursView", "can_enroler", "can_parametres", "can_codes_secours", "can_desactiver")),
    )),
    Ecran("Messagerie", (
        Droit("lire ses messages (réception, envoyés, brouillons)", tuple(
            (p, v) for v in ("ReceptionView", "EnvoyesView", "BrouillonsView")
            for p in ("can_liste", "can_show", "can_action_post"))),
        Droit("écrire", _sur("EcrireView", "can_ecrire", "can_destinataires")),
    )),
    Ecran("Mes demandes de support", (Droit("consulter et répondre", _sur("MesDemandesSupportView", "can_liste", "can_demande")),)),
    Ecran("Mes données et documents (dossier administratif)", (Droit("compléter et transmettre", (("can_page", "MonDossierView"),)),)),
    Ecran("Mon profil d'intervenant", (
        Droit("consulter et modifier", (
            ("can_show", "MonProfilView"),
            *_sur("ProfilView", "can_identification", "can_parcours", "can_ajouter", "can_modifier", "can_supprimer"),
        )),
    )),
    Ecran("Me désinscrire, récupérer mes données", (
        Droit("me désinscrire, récupérer mes données", _sur("DepartView", "can_desinscription", "can_donnees",
                                                             "can_telecharger")),
    )),
    Ecran("Mes interventions", (
        Droit("consulter et télécharger mes lettres de demande",
              _sur("MesInterventionsView", "can_liste", "can_lettre", "can_fiche", "can_lettre_acceptee")),
        Droit("accepter ou refuser en ligne mes lettres de demande",
              _sur("MesInterventionsView", "can_accepter", "can_refuser")),
    )),
    Ecran("Mes indisponibilités", (
        Droit("consulter, déclarer, modifier et supprimer",
              _sur("MesIndisponibilitesView", "can_liste", "can_ajouter", "can_modifier", "can_supprimer")),
    )),
    Ecran("Mes réponses aux annonces", (Droit("consulter", (("can_liste", "MesCandidaturesView"),)),)),
    Ecran("Annonces pour vous", (Droit("consulter", (("can_liste", "AnnoncesPourVousView"),)),)),
    Ecran("Fichiers déposés", (Droit("télécharger (selon le besoin d'en connaître)", (("can_telecharger", "FichierView"),)),)),
    Ecran("CV-thèque", (
        Droit("consulter", (("can_recherche", "CvthequeView"),)),
        Droit("ouvrir les profils", (("can_profil", "CvthequeView"),)),
        Droit("exporter", (("can_export", "CvthequeView"),)),
    )),
    Ecran("Demandes d'inscription", (
        Droit("consulter", _sur("DemandeInscriptionView", "can_list", "can_show")),
        Droit("décider", (("can_decider", "DecisionInscriptionView"),)),
    )),
    Ecran("Annonces", (
        Droit("consulter", _sur("AnnonceGestionView", "can_list", "can_show")),
        Droit("créer et modifier", _sur("AnnonceGestionView", "can_add", "can_edit")),
        Droit("publier, dépublier, clôturer", _sur("AnnonceGestionView", "publier", "depublier", "cloturer")),
    )),
    Ecran("Intervenants suggérés", (
        Droit("consulter", (("can_annonce", "SuggestionsGestionView"),)),
        Droit("inviter à candidater", (("can_inviter", "SuggestionsGestionView"),)),
        Droit("lire par l'API", (("can_suggestions", "SuggestionsApi"),)),
    )),
    Ecran("Candidatures aux annonces", (
        Droit("consulter", _sur("CandidatureGestionView", "can_list", "can_show")),
        Droit("décider", _sur("CandidatureGestionView", "etudier", "ne_pas_retenir")),
        Droit("écrire aux candidats", (("ecrire", "CandidatureGestionView"), *_sur("EnvoiCandidatsView", "can_ecrire", "can_envoi"))),
    )),
    Ecran("Dossiers administratifs", (
        Droit("consulter", _sur("DossierGestionView", "can_list", "can_show")),
        Droit("demander des pièces", (("can_demander", "DossierGestionView"),)),
        Droit("valider ou refuser les blocs", (("can_decider", "DossierGestionView"),)),
        Droit("afficher le NIR et l'IBAN en clair (tracé)", (("can_afficher", "DossierGestionView"),)),
    )),
    Ecran("Interventions", (
        Droit("consulter", _sur("InterventionGestionView", "can_list", "can_show")),
        Droit("créer et modifier", _sur("InterventionGestionView", "can_add", "can_edit")),
        Droit("démarrer, marquer réalisée, annuler", _sur("InterventionGestionView", "demarrer", "realiser", "annuler")),
        Droit("générer la lettre de demande", (("can_lettre", "InterventionGestionView"),)),
    )),
    Ecran("Lettres de demande", (
        Droit("consulter et télécharger", _sur("LettreGestionView", "can_list", "can_show")),
        Droit("envoyer, renvoyer, marquer acceptée (réponse papier), en cours d'exécution, terminée, annuler",
              _sur("LettreGestionView", "envoyer", "renvoyer", "accepter", "executer", "terminer", "annuler")),
    )),
    Ecran("Demandes de support", (
        Droit("consulter et répondre", _sur("SupportGestionView", "can_list", "can_show")),
        Droit("réactiver un compte archivé", (("can_reactiver", "SupportGestionView"),)),
        Droit("exporter les données personnelles d'un compte archivé", (("can_exporter", "ExportDonneesGestionView"),)),
    )),
    Ecran("Comptes intervenants", (
        Droit("créer (écran et API)", (("can_creer", "ComptesGestionView"), ("can_post", "CompteApi"))),
        Droit("attribuer des identifiants provisoires",
              _sur("ComptesGestionView", "can_identifiants_provisoires", "can_rechercher")),
    )),
    Ecran("API intervenants (logiciel de gestion)", (
        Droit("lire", _sur("IntervenantApi", "can_get", "can_info")),
        Droit("mettre à jour", (("can_put", "IntervenantApi"),)),
    )),
    Ecran("API interventions (logiciel de gestion)", (
        Droit("lire les interventions, les lettres de demande et l'état des dossiers", (
            *_sur("InterventionApi", "can_get", "can_info"), *_sur("LettreDemandeApi", "can_get", "can_pdf"),
            ("can_get", "DossierApi"), ("can_get", "OpenApi"))),
        Droit("créer et modifier les interventions, changer leur état",
              _sur("InterventionApi", "can_post", "can_put", "can_etat")),
    )),
    Ecran("Utilisateurs", (
        Droit("consulter", _sur("UtilisateurView", "can_list", "can_show")),
        Droit("créer et modifier", (*_sur("UtilisateurView", "can_add", "can_edit"),
                                    *_sur("UserInfoEditView", "can_this_form_get", "can_this_form_post"))),
        Droit("supprimer", (("can_delete", "UtilisateurView"),)),
        Droit("désactiver, réactiver, déverrouiller", _sur("UtilisateurView", "desactiver", "reactiver", "deverrouiller")),
        Droit("réinitialiser la double authentification", (("reinitialiser_second_facteur", "UtilisateurView"),)),
    )),
    Ecran("Rôles", (
        Droit("consulter", _sur("RoleView", "can_list", "can_show")),
        Droit("créer, modifier, copier, supprimer", _sur("RoleView", "can_add", "can_edit", "copyrole", "can_delete")),
    )),
    Ecran("Groupes", (
        Droit("consulter", _sur("GroupeView", "can_list", "can_show")),
        Droit("créer, modifier, supprimer", _sur("GroupeView", "can_add", "can_edit", "can_delete")),
    )),
    Ecran("Permissions (vues techniques)", (
        Droit("consulter", (("can_list", "PermissionView"), ("can_list", "ViewMenuView"),
                            ("can_list", "PermissionViewView"))),
    )),
    Ecran("Console d'administration (référentiels, contenus, supervision, audit)", (
        Droit("accéder", (PERM_BACKOFFICE,)),
    )),
)


def droits() -> list[tuple[str, Ecran, Droit]]:
    """Every right with a stable key (``écran:droit`` indices) for the form."""
    return [(f"{i}:{j}", ecran, droit) for i, ecran in enumerate(ECRANS) for j, droit in enumerate(ecran.droits)]


def paires_cataloguees() -> set[tuple[str, str]]:
    return {p for _, _, droit in droits() for p in droit.paires}


def libelle(paire: tuple[str, str]) -> str:
    """« Écran : droit » of a pair; a menu entry or an unknown pair by its name."""
    for _, ecran, droit in droits():
        if paire in droit.paires:
            return f"{ecran.titre} : {droit.libelle}"
    if paire[0] == MENU:
        return f"Menu : {paire[1]}"
    return f"{paire[0]} sur {paire[1]} (technique)"


def resume(paires) -> list[str]:
    """« CV-thèque : consulter, exporter » lines for a set of pairs (rights
    fully held), in the catalogue's order."""
    paires = set(paires)
    lignes = []
    for ecran in ECRANS:
        tenus = [d.libelle for d in ecran.droits if set(d.paires) <= paires]
        if tenus:
            lignes.append(f"{ecran.titre} : {', '.join(tenus)}")
    return lignes


def _paire_de(vue, methode: str) -> tuple[str, str]:
    """The (permission, view) pair FAB checks for ``methode`` of ``vue``."""
    nom = getattr(vue, "method_permission_name", {}).get(methode, methode)
    return f"can_{nom}", vue.class_permission_name


def _paire_du_lien(app, href: str) -> tuple[str, str] | None:
    """The pair guarding the page a menu link leads to."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(href.split("?")[0], method="GET")
    except Exception:  # noqa: BLE001 - an external or unknown link guards nothing
        return None
    if endpoint.startswith("backoffice"):
        return PERM_BACKOFFICE
    nom_vue, _, methode = endpoint.partition(".")
    vue = next((v for v in app.appbuilder.baseviews if v.endpoint == nom_vue), None)
    return None if vue is None else _paire_de(vue, methode)


def menus_pour(app, paires) -> set[tuple[str, str]]:
    """The menu entries (and their categories) of the screens ``paires``
    give access to: a role never holds a screen without its way there, nor
    a menu entry to a page it would be refused."""
    paires = set(paires)
    menus: set[tuple[str, str]] = set()
    for categorie in app.appbuilder.menu.get_list():
        entrees = categorie.childs or [categorie]
        for entree in entrees:
            if not entree.name or entree.name == "-":
                continue
            if entree.baseview is not None:
                cible = _paire_de(entree.baseview, entree.baseview.default_view)
            else:
                cible = _paire_du_lien(app, entree.href) if entree.href else None
            if cible in paires:
                menus.add((MENU, entree.name))
                if entree is not categorie:
                    menus.add((MENU, categorie.name))
    return menus
