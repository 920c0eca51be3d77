"""REST API of the suggestions (issue 37) for the management software:
``GET /api/v1/annonces/<id>/suggestions``, the intervenants suggested for an
annonce of the caller's structure (national roles: every structure), ranked,
with their score, its components and the reasons in French: the same
ranking as the « Intervenants suggérés » screen (app.operations.suggestions).
An annonce of another structure answers 404, as if it did not exist."""

from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, protect, safe
from sqlalchemy import select

from app.extensions import db
from app.models.annonces import Annonce, EtatAnnonce
from app.operations.suggestions import suggestions_annonce
from app.security.scope import perimetre_courant


class SuggestionsApi(BaseApi):
    """Suggested intervenants of an annonce."""

    resource_name = "annonces"
    allow_browser_login = True
    include_route_methods = {"suggestions"}

    @expose("/<int:annonce_id>/suggestions", methods=["GET"])
    @protect()
    @safe
    def suggestions(self, annonce_id):
        """The intervenants suggested for the annonce, best first, with the reasons.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: integer
            name: annonce_id
          responses:
            200:
              description: >-
                Up to 20 intervenants, ranked: id, nom, score, composantes (exact, domaine,
                zone, structure, experience, texte), raisons (French), derniere_invitation
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        ligne = db.session.execute(
            select(Annonce.id, Annonce.numero, Annonce.etat, Annonce.structure_id).where(Annonce.id == annonce_id)
        ).first()
        if ligne is None or not perimetre_courant().couvre(ligne.structure_id):
            return self.response_404()
        resultats = suggestions_annonce(ligne.id) if ligne.etat == EtatAnnonce.publiee else []
        return self.response(
            200, annonce_id=ligne.id, numero=ligne.numero, count=len(resultats),
            result=[{
                "rang": rang, "intervenant_id": s.intervenant_id, "nom": s.nom, "score": s.score,
                "composantes": s.composantes, "raisons": s.raisons,
                "derniere_invitation": s.derniere_invitation.isoformat() if s.derniere_invitation else None,
            } for rang, s in enumerate(resultats, start=1)],
        )
