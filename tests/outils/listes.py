"""The list routes of the permission matrix (issue 36: every staff or
trainer list is a declaration on ``app.views.liste``).

``LISTES``: served by a declared list, checked by
tests/interface/test_listes_declarees.py (``flask.g.liste_servie``).
``A_CONVERTIR``: FAB's generated staff lists converted on another branch;
the test says they are still to move (skipped) until they join ``LISTES``.
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
})

#: Moved into ``LISTES`` when their conversion is merged.
A_CONVERTIR = frozenset({
    "AnnonceGestionView.list",
    "CandidatureGestionView.list",
    "InterventionGestionView.list",
    "LettreGestionView.list",
})

HORS_COMPOSANT = frozenset({
    *(f"{vue}.list" for vue in ("UtilisateurView", "RoleView", "GroupeView", "PermissionView", "ViewMenuView",
                                "PermissionViewView")),
})
