"""The candidatures of one annonce, on the annonce's page (gestionnaire), a
declared list (``app.views.liste``, issue #18).

FAB drew them as a related list of ``CandidatureGestionView`` under the
annonce: half of the page's time (issue #6, BENCHMARKS.md Round 8). One
statement reads the page's rows and their number (window count, plain rows).
The page keeps FAB's arguments (``page_``, ``psize_``, ``_oc_``, ``_od_``
suffixed with the view's name), its actions (posted to
``CandidatureGestionView.action_post``, which checks the scope again) and the
links to each candidature, each shown only with its permission.
"""

from __future__ import annotations

from app.infra.formatting import format_date
from app.models.annonces import Candidature, EtatCandidatureAnnonce
from app.models.comptes import Intervenant
from app.views.liste import Arguments, Colonne, Liste, PageListe

#: The related view whose arguments, permissions and actions the list keeps.
VUE = "CandidatureGestionView"


def commentaire_court(texte: str | None) -> str:
    """The candidate's comment cut to 120 characters in lists."""
    return (texte[:120] + "…") if texte and len(texte) > 120 else (texte or "")


CANDIDATURES = Liste(
    table=Candidature, cle=Candidature.id,
    jointures=((Intervenant, Intervenant.id == Candidature.intervenant_id, False),),
    colonnes={
        "date": Colonne("Date de la réponse", Candidature.date, lambda d: format_date(d, "dd/MM/yyyy HH:mm")),
        "intervenant.prenom": Colonne("Prénom", Intervenant.prenom),
        "intervenant.nom_usage": Colonne("Nom", Intervenant.nom_usage),
        "etat": Colonne("État", Candidature.etat, lambda e: EtatCandidatureAnnonce(e).libelle),
        "commentaire": Colonne("Commentaire du candidat", Candidature.commentaire, commentaire_court),
    },
    ordre=("date", "desc"), tailles=(20, 25, 50, 75, 100), arguments=Arguments.fab(VUE),
    liees={"annonce": Candidature.annonce_id}, compte="fenetre",
    vue=VUE, objet=lambda c: f"la candidature de {c['intervenant.prenom']} {c['intervenant.nom_usage']}",
)


def liste_candidatures(annonce_id: int) -> PageListe:
    """The page of the annonce's candidatures the request asks for."""
    return CANDIDATURES.page(annonce=annonce_id)
