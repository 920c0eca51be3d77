"""The list routes of the permission matrix (issue 36: every staff or
trainer list is a declaration on ``app.views.liste``).

``LISTES``: served by a declared list, checked by
tests/interface/test_listes_declarees.py (``flask.g.liste_servie``).
``A_CONVERTIR``: a list still rendered outside the component (none today):
the test skips it with its name, so that it cannot pass unnoticed.
``HORS_COMPOSANT``: FAB's security screens of the national administration,
generated like the flask-admin console (/backoffice, not in the matrix's
endpoints by name) and kept so. Every endpoint of the matrix named like a
list (``.list``, ``.liste``) is in one of them.
"""

from __future__ import annotations

LISTES = frozenset({
    # public: the home page's latest annonces, « Recherche avancée d'annonces »
    "AccueilView.index",
    "AnnoncesPubliquesView.recherche",
    # intervenant
    "MesCandidaturesView.liste",
    "MesInterventionsView.liste",
    "MesIndisponibilitesView.liste",
    "MesDemandesSupportView.liste",
    "AnnoncesPourVousView.liste",
    # staff: mailboxes, queues, CV-thèque, an annonce's suggested intervenants
    "ReceptionView.liste",
    "EnvoyesView.liste",
    "BrouillonsView.liste",
    "DemandeInscriptionView.list",
    "DossierGestionView.list",
    "SupportGestionView.list",
    "CvthequeView.recherche",
    "SuggestionsGestionView.annonce",
    # staff: the lists of FAB views (their show, edit and actions stay FAB's)
    "AnnonceGestionView.list",
    "CandidatureGestionView.list",
    "InterventionGestionView.list",
    "LettreGestionView.list",
})

#: A list of the matrix not yet declared (none): the test names each one.
A_CONVERTIR: frozenset[str] = frozenset()

HORS_COMPOSANT = frozenset({
    *(f"{vue}.list" for vue in ("UtilisateurView", "RoleView", "GroupeView", "PermissionView", "ViewMenuView",
                                "PermissionViewView")),
})
