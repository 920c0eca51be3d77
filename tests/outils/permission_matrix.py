"""Expected access of every endpoint, per actor.

Actors: anonyme, intervenant, gestionnaire_a (structure DR-84, owner of the
sample rows), gestionnaire_b (structure DR-11), admin_national.
Outcomes: OK (the page answers), LOGIN (anonymous sent to the login page or
401 for APIs), DENY (403, or FAB's redirect with "Access is Denied"),
HIDDEN (404: the row exists but is outside the actor's scope).

Every endpoint of ``app.url_map`` must appear here: tests/securite/test_permission_matrix.py
fails when one is missing, so a new view cannot ship without its line.
"""

from __future__ import annotations

OK, LOGIN, DENY, HIDDEN = "ok", "login", "deny", "hidden"
ACTORS = ("anonyme", "intervenant", "gestionnaire_a", "gestionnaire_b", "admin_national")


def row(anonyme, intervenant, gestionnaire_a, gestionnaire_b, admin_national):
    return dict(zip(ACTORS, (anonyme, intervenant, gestionnaire_a, gestionnaire_b, admin_national), strict=True))


PUBLIC = row(OK, OK, OK, OK, OK)
SIGNED_IN = row(LOGIN, OK, OK, OK, OK)
INTERVENANT_ONLY = row(LOGIN, OK, DENY, DENY, DENY)
STAFF = row(LOGIN, DENY, OK, OK, OK)
STAFF_OWN_STRUCTURE = row(LOGIN, DENY, OK, HIDDEN, OK)
NATIONAL = row(LOGIN, DENY, DENY, DENY, OK)
# A file of another intervenant whose request went to structure A: staff of A
# (and national) read it, other staff only once the profile is validated (issue 19).
FILE_OF_A_REQUEST = row(LOGIN, HIDDEN, OK, HIDDEN, OK)
# Technical endpoints that are not pages (static files, FAB plumbing): not probed.
NOT_A_PAGE = None
CRUD = ("list", "show", "add", "edit", "delete")

EXPECTED: dict[str, dict | None] = {
    # static files and FAB plumbing
    "static": NOT_A_PAGE,
    "appbuilder.static": NOT_A_PAGE,
    "backoffice.static": NOT_A_PAGE,
    "UtilView.back": NOT_A_PAGE,
    "LocaleView.index": NOT_A_PAGE,
    # health probes (JSON, public: tests/infra/test_sante.py)
    "sante.vivant": NOT_A_PAGE,
    "sante.pret": NOT_A_PAGE,
    "metriques.exposition": NOT_A_PAGE,  # 404 without the bearer token: tests/infra/test_metriques.py
    # authentication
    "AuthDBView.login": PUBLIC,
    # GET only shows the « Se déconnecter » button (the sign-out is its POST
    # with the CSRF token, issue 33: tests/comptes/test_sessions.py); anonymous: the index.
    "AuthDBView.logout": PUBLIC,
    "SecurityApi.login": NOT_A_PAGE,
    "SecurityApi.refresh": NOT_A_PAGE,
    "SecurityApi.logout": NOT_A_PAGE,
    # accounts and credentials (issue #3): public pages, token links, own account, back office
    "InscriptionView.inscription": PUBLIC,
    "InscriptionView.document": PUBLIC,
    "InscriptionView.activation": PUBLIC,  # invalid token: the "lien non valide" page
    "CaptchaView.image": PUBLIC,
    "CaptchaView.audio": PUBLIC,
    "MotDePasseView.oublie": PUBLIC,
    "MotDePasseView.reinitialiser": PUBLIC,
    "LienCompteView.confirmer_email": PUBLIC,
    "LienCompteView.personnaliser": PUBLIC,
    "CompteView.mot_de_passe": SIGNED_IN,
    "CompteView.email": SIGNED_IN,
    "CompteView.identifiants": SIGNED_IN,
    "CompteView.deconnexion_partout": SIGNED_IN,
    # second factor (issue 28): the sign-in's code step (without a pending
    # sign-in: back to the login page, or the index when signed in) and « Mon compte »
    "AuthDBView.code": SIGNED_IN,
    "DeuxFacteursView.parametres": SIGNED_IN,
    "DeuxFacteursView.enroler": SIGNED_IN,
    "DeuxFacteursView.codes_secours": SIGNED_IN,
    "DeuxFacteursView.desactiver": SIGNED_IN,
    "ComptesGestionView.creer": STAFF,
    "ComptesGestionView.identifiants_provisoires": NATIONAL,
    "ComptesGestionView.rechercher": NATIONAL,
    "CompteApi.post": STAFF,
    # portal
    "AccueilView.index": PUBLIC,
    "PagesView.accessibilite": PUBLIC,
    "PagesView.plan_acces": PUBLIC,
    "PagesView.mentions_legales": PUBLIC,
    # portal content, annonces and candidatures (issue #5)
    "PagesView.actualites": PUBLIC,
    "PagesView.informations_complementaires": PUBLIC,
    "PagesView.cookies": PUBLIC,
    # The sample file is a private one: the public download route hides it from everybody.
    "PagesView.document": row(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "AnnoncesPubliquesView.recherche": PUBLIC,
    "AnnoncesPubliquesView.detail": PUBLIC,
    "AnnoncesPubliquesView.candidater": PUBLIC,  # the page explains who may apply
    "MesCandidaturesView.liste": INTERVENANT_ONLY,
    # Suggestions (issue 37): the intervenant's ranked annonces; an annonce's suggested intervenants
    "AnnoncesPourVousView.liste": INTERVENANT_ONLY,
    "SuggestionsGestionView.annonce": STAFF_OWN_STRUCTURE,
    "SuggestionsGestionView.inviter": STAFF_OWN_STRUCTURE,
    "SuggestionsApi.suggestions": STAFF_OWN_STRUCTURE,
    # Messagerie interne (issue 21): the matrix's intervenant is not validated yet (403);
    # the sample message goes from gestionnaire A to gestionnaire B (others: 404).
    **{f"{vue}.{route}": STAFF for vue in ("ReceptionView", "EnvoyesView", "BrouillonsView")
       for route in ("liste", "action_post")},
    "ReceptionView.show": row(LOGIN, DENY, OK, OK, HIDDEN),
    "EnvoyesView.show": row(LOGIN, DENY, OK, OK, HIDDEN),
    "BrouillonsView.show": STAFF,  # a redirection to the form, which checks the draft
    "EcrireView.ecrire": STAFF,
    "EcrireView.destinataires": STAFF,
    # Without ?annonce= nor ?candidature= there is no annonce to write about (404).
    "EnvoiCandidatsView.ecrire": row(LOGIN, DENY, HIDDEN, HIDDEN, HIDDEN),
    "EnvoiCandidatsView.envoi": row(LOGIN, DENY, OK, HIDDEN, HIDDEN),  # the sender's progress only
    "AnnonceGestionView.list": STAFF,
    "AnnonceGestionView.add": STAFF,
    "AnnonceGestionView.show": STAFF_OWN_STRUCTURE,
    "AnnonceGestionView.edit": STAFF_OWN_STRUCTURE,
    "AnnonceGestionView.action_post": STAFF_OWN_STRUCTURE,
    "CandidatureGestionView.list": STAFF,
    "CandidatureGestionView.show": STAFF_OWN_STRUCTURE,
    "CandidatureGestionView.action_post": STAFF_OWN_STRUCTURE,
    # referential look-ups for the forms (public data)
    "ReferentielLookupView.communes": PUBLIC,
    "ReferentielLookupView.employeurs": PUBLIC,
    # every signed-in user: own account
    "UtilisateurView.userinfo": SIGNED_IN,
    "ResetMyPasswordView.this_form_get": SIGNED_IN,
    "ResetMyPasswordView.this_form_post": SIGNED_IN,
    "UserInfoEditView.this_form_get": NATIONAL,
    "UserInfoEditView.this_form_post": NATIONAL,
    # intervenant
    "MonProfilView.show": INTERVENANT_ONLY,
    # profile pages (issue #4): own profile; a row of another intervenant is a 404
    "ProfilView.identification": INTERVENANT_ONLY,
    "ProfilView.parcours": INTERVENANT_ONLY,
    "ProfilView.ajouter": INTERVENANT_ONLY,
    "ProfilView.modifier": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "ProfilView.supprimer": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    # indisponibilités (issue 23): own rows; the sample period is scene.owner's (others: 404)
    "MesIndisponibilitesView.liste": INTERVENANT_ONLY,
    "MesIndisponibilitesView.ajouter": INTERVENANT_ONLY,
    "MesIndisponibilitesView.modifier": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "MesIndisponibilitesView.supprimer": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    # stored files (the sample file belongs to scene.owner)
    "FichierView.telecharger": FILE_OF_A_REQUEST,
    # gestionnaire back office
    "DemandeInscriptionView.list": STAFF,
    "DemandeInscriptionView.show": STAFF_OWN_STRUCTURE,
    "DecisionInscriptionView.decider": STAFF_OWN_STRUCTURE,
    # dossier administratif (issue 20): the intervenant's own page; staff of a
    # structure that asked for the dossier (the sample: DR-84) and national admins;
    # a request only on a validated intervenant (the sample is not: 404)
    "MonDossierView.page": INTERVENANT_ONLY,
    "DossierGestionView.list": STAFF,
    "DossierGestionView.show": STAFF_OWN_STRUCTURE,
    "DossierGestionView.afficher": STAFF_OWN_STRUCTURE,
    "DossierGestionView.decider": STAFF_OWN_STRUCTURE,
    "DossierGestionView.demander": row(LOGIN, DENY, HIDDEN, HIDDEN, HIDDEN),
    # CV-thèque: every gestionnaire; the sample profile is not validated, so
    # it is not in the CV-thèque (404 for staff)
    "CvthequeView.recherche": STAFF,
    "CvthequeView.export": STAFF,
    "CvthequeView.profil": row(LOGIN, DENY, HIDDEN, HIDDEN, HIDDEN),
    "IntervenantApi.get_list": STAFF,
    "IntervenantApi.info": STAFF,
    "IntervenantApi.get": STAFF_OWN_STRUCTURE,
    "IntervenantApi.put": STAFF_OWN_STRUCTURE,
    # support « Aide et contact » (issue 22): the public form and the requester's
    # token links (a bad token: the « lien non valide » page); the queue is the
    # staff's, a request of structure A hidden from B
    "SupportView.formulaire": PUBLIC,
    "SupportView.confirmer": PUBLIC,
    "SupportView.historique": PUBLIC,
    "SupportGestionView.list": STAFF,
    "SupportGestionView.show": STAFF_OWN_STRUCTURE,
    "SupportGestionView.reactiver": NATIONAL,
    # an attachment of the sample request's thread: its handlers only (the
    # requester opens it through the signed link: a bad token is a 404)
    "SupportGestionView.piece": STAFF_OWN_STRUCTURE,
    "SupportView.piece": row(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    # the signed-in intervenant's own requests (the sample is nobody's: 404)
    "MesDemandesSupportView.liste": INTERVENANT_ONLY,
    "MesDemandesSupportView.demande": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    # leaving and personal data (issue 24): the intervenant's own pages (no export
    # of theirs in the sample: 404), the e-mailed link (a bad token: the « lien non
    # valide » page), the national administration's export from a support request
    "DepartView.desinscription": INTERVENANT_ONLY,
    "DepartView.donnees": INTERVENANT_ONLY,
    "DepartView.telecharger": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "LienDonneesView.telecharger": PUBLIC,
    "ExportDonneesGestionView.exporter": NATIONAL,
    # interventions and lettres de demande (issue 23): the sample rows are of
    # structure A; « Mes interventions » (the sample lettre is another person's: 404)
    "MesInterventionsView.liste": INTERVENANT_ONLY,
    "MesInterventionsView.lettre": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    # Issue 37 point 6: the sample « numero » is nobody's lettre (the intervenant's own: tests/test_lettre_acceptation.py).
    "MesInterventionsView.fiche": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "MesInterventionsView.accepter": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "MesInterventionsView.refuser": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "MesInterventionsView.lettre_acceptee": row(LOGIN, HIDDEN, DENY, DENY, DENY),
    "InterventionGestionView.list": STAFF,
    "InterventionGestionView.add": STAFF,
    "InterventionGestionView.show": STAFF_OWN_STRUCTURE,
    "InterventionGestionView.edit": STAFF_OWN_STRUCTURE,
    "InterventionGestionView.action_post": STAFF_OWN_STRUCTURE,
    "InterventionGestionView.lettre": STAFF_OWN_STRUCTURE,
    "LettreGestionView.list": STAFF,
    "LettreGestionView.show": STAFF_OWN_STRUCTURE,
    "LettreGestionView.action_post": STAFF_OWN_STRUCTURE,
    "InterventionApi.get_list": STAFF,
    "InterventionApi.info": STAFF,
    "InterventionApi.post": STAFF,  # each creates in its own structure (national: the one named)
    "InterventionApi.get": STAFF_OWN_STRUCTURE,
    "InterventionApi.put": STAFF_OWN_STRUCTURE,
    "InterventionApi.etat": STAFF_OWN_STRUCTURE,
    "LettreDemandeApi.get_list": STAFF,
    "LettreDemandeApi.get": STAFF_OWN_STRUCTURE,
    "LettreDemandeApi.pdf": STAFF_OWN_STRUCTURE,
    # the dossier of a person of structure A, asked by A
    "DossierApi.get": STAFF_OWN_STRUCTURE,
    "OpenApi.get": STAFF,
    # FAB security screens: national administration
    **{f"{view}.{method}": NATIONAL for view in ("UtilisateurView", "RoleView", "GroupeView") for method in CRUD},
    "RoleView.action_post": NATIONAL,
    "UtilisateurView.action_post": NATIONAL,
    "PermissionView.list": NATIONAL,
    "ViewMenuView.list": NATIONAL,
    "PermissionViewView.list": NATIONAL,
    # national administration console (flask-admin): every endpoint under /backoffice
    "backoffice.index": NATIONAL,
}

#: flask-admin endpoints are listed by prefix: every view of the console is national.
NATIONAL_PREFIXES = ("bo_",)

#: Endpoints whose bare sample request is not a valid query (flask-admin's ajax
#: helpers need field names): for an allowed actor, 400/404 means "let through".
INVALID_SAMPLE_SUFFIXES = (".ajax_lookup", ".ajax_update")
