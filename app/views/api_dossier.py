"""REST API of the dossier administratif for the management software (issue 23).

``GET /api/v1/dossiers/<intervenant_id>``: the state of each block of the
trainer's dossier and whether a lettre de demande may be generated; never
the data nor the pieces. It answers under the dossier's need-to-know
(``app.workflows.dossier.acces_acteur``, issue 33); any other dossier,
like an unknown one, answers 404. Errors are JSON ``{"message": …}`` as in
``app.views.api_interventions``.
"""

from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.extensions import db
from app.models.comptes import Intervenant
from app.models.regles_interventions import blocs_non_valides, blocs_requis
from app.operations.dossier import acces_acteur
from app.operations.interventions import etats_du_dossier
from app.security.scope import utilisateur_courant
from app.workflows.core import Acteur


class DossierApi(BaseApi):
    """The state of each block of an intervenant's dossier administratif."""

    resource_name = "dossiers"
    allow_browser_login = True
    include_route_methods = {"get"}

    @expose("/<int:intervenant_id>", methods=["GET"])
    @protect()
    @safe
    def get(self, intervenant_id):
        """States of the dossier's blocks, and whether a lettre may be generated.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: integer
            name: intervenant_id
          responses:
            200:
              description: Block states (never the data nor the pieces)
            404:
              $ref: '#/components/responses/404'
        """
        profil = db.session.get(Intervenant, intervenant_id)
        if profil is None or not dossier_visible(profil):
            return self.response_404()
        etats = etats_du_dossier(profil.id)
        statut = profil.statut_professionnel
        requis = blocs_requis(statut)
        return self.response(200, intervenant_id=profil.id, immatriculation=profil.immatriculation,
                             blocs=[{"bloc": b.value, "libelle": b.libelle, "etat": etats[b].value,
                                     "libelle_etat": etats[b].libelle, "requis": b in requis}
                                    for b in etats],
                             complet=not blocs_non_valides(statut, etats))


def dossier_visible(profil: Intervenant) -> bool:
    """The dossier's need-to-know (``app.workflows.dossier.acces_acteur``, issue 33):
    national roles, every person; a gestionnaire, a person their structure
    works with. A request alone opens nothing."""
    user = utilisateur_courant()
    return user is not None and acces_acteur(profil.id, Acteur.from_user(user))
