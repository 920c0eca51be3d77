"""CV-thèque: every gestionnaire searches the validated profiles (manual
§3.2.3), opens one with its files, exports the result list (XLSX). The
search itself is ``app.operations.cvtheque``.
"""

from __future__ import annotations

import io

from flask import abort, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.infra.errors import ParametreInvalide
from app.infra.exports import ligne_xlsx
from app.models.comptes import EtatInscription, Intervenant
from app.models.consultations import ObjetConsultation, tracer
from app.models.referentiels import Structure
from app.operations import executer
from app.operations.cvtheque import CRITERES_SIGNALES, PAGE_SIZE, lignes_export, recherche_form, rechercher
from app.referentiels.options import options
from app.security.scope import en_relation_avec
from app.views.liste import Colonne, Demande, Liste, Lot


def refuser_criteres_invalides(form) -> None:
    """A criterion given in the URL that is none of its list's choices (a
    hand-made URL: ``region=99999999999999999999``) is a bad request, not
    a query the database refuses (issue 19, point 10)."""
    form.validate()
    fautifs = [nom for nom in form.errors if request.args.get(nom) and nom not in CRITERES_SIGNALES]
    if fautifs:
        raise ParametreInvalide("Critère de recherche invalide : " + ", ".join(fautifs) + ".")


def criteres_de_recherche(args):
    """The search's criteria (``recherche_form``), a hand-made wrong choice refused."""
    form = recherche_form(args)
    refuser_criteres_invalides(form)
    return form


def page_de_recherche(demande: Demande) -> Lot:
    """One page of ``app.operations.cvtheque.rechercher``: its capped count,
    its walk of the sort's index and the free text on the GIN index
    (PostgreSQL) or by LIKE (SQLite) stay that module's."""
    resultat = rechercher(demande.form, demande.numero)
    return Lot(resultat.profils, resultat.total, resultat.page, resultat.pages,
               plus={"suivante": resultat.suivante, "plafond": resultat.plafond})


#: The result list: the columns as the page draws them (templates/cvtheque/
#: recherche.html), the sort a criterion (« Trier par »), 20 profiles a page,
#: every structure's validated profiles (no scope: every gestionnaire
#: searches them all).
RESULTATS = Liste(
    nom="cvtheque", table=Intervenant, cle=Intervenant.id,
    colonnes={
        "nom": Colonne("Nom", Intervenant.nom_usage, triable=False),
        "structure": Colonne("Structure de rattachement", Intervenant.structure_id, triable=False),
        "specialites": Colonne("Spécialités", Intervenant.id, triable=False),
        "regions": Colonne("Régions", Intervenant.id, triable=False),
        "cv": Colonne("CV", Intervenant.cv_fichier_id, triable=False),
    },
    ordre=("nom", "asc"), tailles=(PAGE_SIZE,), formulaire=criteres_de_recherche, source=page_de_recherche,
)


class CvthequeView(BaseView):
    """Search, profile page and export, for every gestionnaire (all structures)."""

    route_base = "/cvtheque"
    default_view = "recherche"
    include_route_methods = {"recherche", "profil", "export"}

    @expose("/")
    @has_access
    def recherche(self):
        args = {k: v for k, v in request.args.items() if k != "page"}
        return self.render_template(
            "cvtheque/recherche.html", p=RESULTATS.page(), args=args, title="CV-thèque",
            # Structure names from the cached referential lists (no query).
            structures=dict(options(Structure, "nom")),
        )

    @expose("/profil/<int:pk>")
    @has_access
    def profil(self, pk):
        """A validated profile (others are not in the CV-thèque: 404). The
        read is journaled; personal contact details and birth date only for
        a structure in relation with the person (``scope.en_relation_avec``)."""
        p = db.session.scalar(
            select(Intervenant).where(Intervenant.id == pk, Intervenant.etat_inscription == EtatInscription.validee)
        )
        if p is None:
            abort(404)
        coordonnees = en_relation_avec(p.id, p.structure_id)
        executer(tracer, ObjetConsultation.profil, intervenant_id=p.id)
        return self.render_template("cvtheque/profil.html", p=p, coordonnees=coordonnees, title="Profil intervenant")

    @expose("/export.xlsx")
    @has_access
    def export(self):
        rows = list(lignes_export(criteres_de_recherche(request.args)))
        criteres = request.query_string.decode("utf-8", "replace")
        executer(tracer, ObjetConsultation.export, detail=f"{len(rows)} profil(s) ; critères : {criteres}")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("CV-thèque")
        ws.append(["Civilité", "Nom d'usage", "Prénom", "Localité", "Disponible à l'étranger",
                   "Date de transmission", "Lien"])
        # Every value through ligne_xlsx: no cell becomes a formula (app.infra.exports).
        base = request.host_url.rstrip("/")
        for civ, nom, prenom, localite, etranger, date, pk in rows:
            ws.append(ligne_xlsx(ws, [civ, nom, prenom, localite or "", {True: "Oui", False: "Non"}.get(etranger, ""),
                                      date, f"{base}/cvtheque/profil/{pk}"]))
        out = io.BytesIO()
        wb.save(out)
        out.seek(0)
        return send_file(
            out, as_attachment=True, download_name="cvtheque.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

