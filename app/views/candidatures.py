"""« Mes réponses aux annonces » (Tableau de bord) of the intervenant (manual §3.3)."""

from __future__ import annotations

from flask_appbuilder import BaseView, expose, has_access

from app.infra.formatting import format_date
from app.models.annonces import (
    LIBELLES_ETAT_CANDIDATURE,
    Annonce,
    Candidature,
    EtatAnnonce,
    EtatCandidatureAnnonce,
)
from app.models.comptes import EtatInscription
from app.operations import suggestions
from app.security.scope import intervenant_bref, no_row_id
from app.views.liste import Colonne, LienCellule, Liste, parmi

#: « Mes réponses aux annonces », a declared list (app.views.liste): the
#: count and one page of the intervenant's candidatures as plain rows with the
#: annonce's columns, built once and kept prepared without criteria (the page
#: loaded whole annonces as ORM objects, issue #6); a published annonce's
#: number links to its public page.
MES_REPONSES = Liste(
    table=Candidature, cle=Candidature.id,
    jointures=((Annonce, Annonce.id == Candidature.annonce_id, False),),
    colonnes={
        "date": Colonne("Date de la réponse", Candidature.date, lambda d: format_date(d, "dd/MM/yyyy")),
        "numero": Colonne("Numéro annonce", Annonce.numero, lien=LienCellule(
            "AnnoncesPubliquesView.detail", "numero", lambda r: r.etat_annonce == EtatAnnonce.publiee)),
        "intitule": Colonne("Intitulé de l'annonce", Annonce.intitule),
        "etat": Colonne("Etat", Candidature.etat, LIBELLES_ETAT_CANDIDATURE.__getitem__),
        "commentaire": Colonne("Mon commentaire", Candidature.commentaire, triable=False),
    },
    cachees={"etat_annonce": Annonce.etat},
    criteres={"etat": parmi("Filtrer par état", Candidature.etat,
                            lambda: [(e.value, libelle) for e, libelle in LIBELLES_ETAT_CANDIDATURE.items()],
                            EtatCandidatureAnnonce, tous="Tous les états")},
    ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Réponses par page",
    liees={"intervenant": Candidature.intervenant_id},
    legende="Mes réponses aux annonces, triées par {tri}",
)


class MesCandidaturesView(BaseView):
    """The signed-in intervenant's candidatures only, filterable by état."""

    route_base = "/mes-reponses-aux-annonces"
    default_view = "liste"

    @expose("/")
    @has_access
    def liste(self):
        intervenant = intervenant_bref()  # id and état, read with the user
        valide = intervenant is not None and intervenant.etat_inscription == EtatInscription.validee
        return self.render_template(
            "annonces/mes_reponses.html",
            title="Mes réponses aux annonces",
            reponses=MES_REPONSES.page(intervenant=intervenant.id if intervenant else no_row_id()),
            # Issue 37: the invitations not answered yet, the five annonces that fit best.
            valide=valide,
            invitations=suggestions.invitations_ouvertes(intervenant.id) if valide else [],
            annonces=suggestions.annonces_pour_gardees(intervenant.id, suggestions.POUR_VOUS_TABLEAU) if valide else [],
            format_date=format_date,
        )

