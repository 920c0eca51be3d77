"""REST API of the management software for interventions (issue 23).

``/api/v1/interventions/``: list (paginated, filters), read, create, update,
change state (``PUT /<id>/etat``); ``/api/v1/lettres-de-demande/``: list,
read, PDF (the dossier's block states: ``app.views.api_dossier``). Every
row is limited to the caller's structure (national roles: all); another
structure's row answers 404.

Errors are JSON ``{"message": …}``: 400 with ``{"champ": ["message"]}`` for
bad input, 401 without a token, 403 without the right, 404, 409 when the
request contradicts the current data (forbidden transition, a change made
in between, a lettre still in force, a reference already used). The OpenAPI
document is served at ``/api/v1/_openapi`` (staff).

A call signed in by the browser's session cookie (not a bearer token) must
carry the CSRF token, as the screens' forms do.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.api.manager import OpenApi

from app.extensions import csrf, db
from app.models.comptes import Intervenant
from app.models.interventions import EtatIntervention, Intervention, LettreDemande
from app.models.referentiels import Structure
from app.models.regles_interventions import erreurs_intervention
from app.operations import executer
from app.operations.interventions import (
    DonneesInvalides,
    creer_intervention,
    modifier_intervention,
)
from app.security.scope import perimetre_courant, utilisateur_courant
from app.views.api_parametres import ApiModeleEspace
from app.views.api_suggestions import SuggestionsApi
from app.views.filters import FilterMaStructure
from app.views.interface import InterfaceEspace
from app.views.interventions import FilterLettresMaStructure, reponse_fichier
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite, WorkflowError
from app.workflows.intervention import EVENEMENTS_INTERVENTION
from app.workflows.intervention import intervention as workflow_intervention

REQUIS = "Ce champ est obligatoire."
#: The text fields a client writes, with their maximum length.
TEXTES = {"intitule": 255, "lieu": 255, "reference_externe": 50}


def _csrf_si_navigateur() -> None:
    """A mutation signed in by the session cookie must carry the CSRF token."""
    if current_app.config.get("WTF_CSRF_ENABLED") and not request.headers.get("Authorization"):
        csrf.protect()


def corps_de_la_requete():
    """The JSON body, or the form-encoded one (as ``CompteApi`` accepts)."""
    corps = request.get_json(silent=True)
    if corps is None and request.form:
        corps = request.form.to_dict()
    return corps


def _date(valeur):
    if not isinstance(valeur, str):
        raise ValueError("Date attendue au format AAAA-MM-JJ.")
    try:
        return date.fromisoformat(valeur)
    except ValueError:
        raise ValueError("Date attendue au format AAAA-MM-JJ.") from None


def _decimal(valeur):
    if isinstance(valeur, bool) or not isinstance(valeur, (int, float, str)):
        raise ValueError("Nombre attendu (ex. 2.5).")
    try:
        nombre = Decimal(str(valeur).replace(",", ".").strip())
    except InvalidOperation:
        raise ValueError("Nombre attendu (ex. 2.5).") from None
    if not nombre.is_finite():
        raise ValueError("Nombre attendu (ex. 2.5).")
    return nombre.quantize(Decimal("0.01"))


def lire_champs(corps, *, creation: bool) -> tuple[dict, dict[str, list[str]]]:
    """The intervention's fields read from a JSON body, and the errors by field."""
    valeurs, erreurs = {}, {}
    if not isinstance(corps, dict):
        return valeurs, {"_corps": ["Corps JSON (objet) attendu."]}
    connus = {*TEXTES, "date_debut", "date_fin", "duree_jours"} | ({"intervenant_id", "structure_id"} if creation
                                                                     else set())
    for nom in corps:
        if nom not in connus:
            erreurs[nom] = ["Champ inconnu ou non modifiable."]
    lecteurs = {"date_debut": _date, "date_fin": _date, "duree_jours": _decimal}
    for nom in ("intitule", "lieu", "date_debut", "date_fin", "duree_jours", "reference_externe"):
        if nom not in corps or corps[nom] in (None, ""):
            if creation and nom != "reference_externe":
                erreurs[nom] = [REQUIS]
            elif nom in corps and nom == "reference_externe":
                valeurs[nom] = None
            elif nom in corps:
                erreurs[nom] = [REQUIS]
            continue
        valeur = corps[nom]
        try:
            if nom in TEXTES:
                if not isinstance(valeur, str):
                    raise ValueError("Texte attendu.")
                valeur = valeur.strip()
                if len(valeur) > TEXTES[nom]:
                    raise ValueError(f"{TEXTES[nom]} caractères au plus.")
                valeurs[nom] = valeur
            else:
                valeurs[nom] = lecteurs[nom](valeur)
        except ValueError as exc:
            erreurs[nom] = [str(exc)]
    # The rules of the dates and duration, on what was read (creation: all of them).
    if creation:
        for champ, message in erreurs_intervention(valeurs.get("date_debut"), valeurs.get("date_fin"),
                                                   valeurs.get("duree_jours")).items():
            erreurs.setdefault(champ, [message])
    if creation:
        for nom in ("intervenant_id", "structure_id"):
            valeur = corps.get(nom)
            if valeur in (None, ""):
                continue
            if isinstance(valeur, str) and valeur.isascii() and valeur.isdigit() and len(valeur) < 10:
                valeur = int(valeur)
            if isinstance(valeur, bool) or not isinstance(valeur, int):
                erreurs[nom] = ["Identifiant (nombre entier) attendu."]
            else:
                valeurs[nom] = valeur
        if corps.get("intervenant_id") in (None, ""):
            erreurs["intervenant_id"] = [REQUIS]
    return valeurs, erreurs


#: 409 when the management software's reference is taken in the structure.
REFERENCE_UTILISEE = "Cette référence est déjà utilisée par une autre intervention de la structure."

class _ApiEspace(ApiModeleEspace):
    allow_browser_login = True
    page_size = 20
    max_page_size = 100

    def erreur_workflow(self, exc: WorkflowError):
        if isinstance(exc, DonneesInvalides):
            return self.response_400(message={k: [v] for k, v in exc.erreurs.items()})
        if isinstance(exc, TransitionInterdite):
            return self.response(409, message=exc.message)
        if isinstance(exc, GardeRefusee):
            return self.response_403()
        return self.response(409, message=exc.message)


COLONNES_INTERVENTION = ["id", "intervenant.id", "intervenant.immatriculation", "structure.code", "intitule",
                         "date_debut", "date_fin", "duree_jours", "lieu", "etat", "reference_externe"]


class InterventionApi(_ApiEspace):
    """Interventions of the caller's structure (national roles: all)."""

    resource_name = "interventions"
    datamodel = InterfaceEspace(Intervention)
    include_route_methods = {"get", "get_list", "info", "post", "put", "etat"}
    base_filters = [["structure_id", FilterMaStructure, None]]
    list_columns = show_columns = COLONNES_INTERVENTION
    label_columns = {
        "id": "Identifiant", "intervenant.id": "Identifiant de l'intervenant",
        "intervenant.immatriculation": "Immatriculation", "structure.code": "Code de la structure",
        "intitule": "Intitulé de l'action", "date_debut": "Date de début", "date_fin": "Date de fin",
        "duree_jours": "Durée (jours)", "lieu": "Lieu", "etat": "État",
        "reference_externe": "Référence du logiciel de gestion",
    }
    list_title = show_title = "Interventions"
    # Declared (FAB's default is every column, relations' choices in _info).
    add_columns = edit_columns = ["intitule", "date_debut", "date_fin", "duree_jours", "lieu", "reference_externe"]
    add_query_rel_fields = edit_query_rel_fields = {}
    search_columns = ["etat", "date_debut", "date_fin", "intervenant", "structure", "reference_externe"]
    order_columns = ["id", "date_debut", "date_fin", "etat"]
    base_order = ("date_debut", "desc")

    def _resultat(self, item: Intervention) -> dict:
        return self.show_model_schema.dump(item)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """Create an intervention (« prévue »); the first gives the immatriculation.
        ---
        post:
          description: >-
            Body: intervenant_id, intitule, date_debut, date_fin (AAAA-MM-JJ), duree_jours,
            lieu, reference_externe (optional), structure_id (national roles; else the caller's).
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
          responses:
            201:
              description: Intervention created
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            409:
              description: Reference already used in the structure
        """
        _csrf_si_navigateur()
        valeurs, erreurs = lire_champs(corps_de_la_requete(), creation=True)
        if erreurs:
            return self.response_400(message=erreurs)
        perimetre = perimetre_courant()
        intervenant_id, structure_id = valeurs.pop("intervenant_id"), valeurs.pop("structure_id", None)
        if not perimetre.national:
            structure_id = perimetre.structure_id
        if structure_id is None:
            if perimetre.national:
                return self.response_400(message={"structure_id": [REQUIS]})
            return self.response_403()
        if not perimetre.couvre(structure_id):
            return self.response_403()
        profil = db.session.get(Intervenant, intervenant_id)
        if profil is None:
            return self.response_400(message={"intervenant_id": ["Aucun intervenant n'a cet identifiant."]})
        acteur = Acteur.from_user(utilisateur_courant())
        return self._enregistrer(lambda: creer_intervention(profil, structure_id, acteur, **valeurs), 201,
                                 lambda: self._conflit_ou_structure(structure_id))

    def _enregistrer(self, operation, statut: int, conflit):
        """Run ``operation`` (it returns the row) in its transaction; a
        workflow refusal and a unique key taken (``conflit``) answered in JSON."""
        try:
            item = executer(operation)
        except WorkflowError as exc:
            return self.erreur_workflow(exc)
        except sa.exc.IntegrityError:
            return conflit()
        return self.response(statut, id=item.id, result=self._resultat(item))

    def _conflit_ou_structure(self, structure_id):
        if db.session.get(Structure, structure_id) is None:
            return self.response_400(message={"structure_id": ["Aucune structure n'a cet identifiant."]})
        return self.response(409, message=REFERENCE_UTILISEE)

    def _ligne(self, pk: int) -> Intervention | None:
        item = self.datamodel.get(pk, self._base_filters)
        return item

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    def put(self, pk):
        """Update an intervention's data (not its state: see /etat).
        ---
        put:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
          responses:
            200:
              description: Intervention updated
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The intervention is réalisée or annulée, or the reference is used
        """
        _csrf_si_navigateur()
        item = self._ligne(pk)
        if item is None:
            return self.response_404()
        valeurs, erreurs = lire_champs(corps_de_la_requete(), creation=False)
        if erreurs:
            return self.response_400(message=erreurs)
        acteur = Acteur.from_user(utilisateur_courant())
        return self._enregistrer(lambda: modifier_intervention(item, acteur, **valeurs), 200,
                                 lambda: self.response(409, message=REFERENCE_UTILISEE))

    @expose("/<int:pk>/etat", methods=["PUT"])
    @protect()
    @safe
    def etat(self, pk):
        """Change the state: {"evenement": "demarrer" | "realiser" | "annuler", "commentaire": "…"}.
        ---
        put:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    evenement:
                      type: string
                      enum: [demarrer, realiser, annuler]
                    commentaire:
                      type: string
          responses:
            200:
              description: The new state
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Not allowed from the current state, or changed in between
        """
        _csrf_si_navigateur()
        item = self._ligne(pk)
        if item is None:
            return self.response_404()
        corps = corps_de_la_requete()
        evenement = corps.get("evenement") if isinstance(corps, dict) else None
        commentaire = corps.get("commentaire") if isinstance(corps, dict) else None
        if evenement not in EVENEMENTS_INTERVENTION:
            return self.response_400(message={"evenement": [
                "Événement attendu : " + ", ".join(EVENEMENTS_INTERVENTION) + "."]})
        if commentaire is not None and (not isinstance(commentaire, str) or len(commentaire) > 1000):
            return self.response_400(message={"commentaire": ["Texte de 1000 caractères au plus attendu."]})
        try:
            executer(workflow_intervention.apply, item, evenement, Acteur.from_user(utilisateur_courant()), commentaire)
        except WorkflowError as exc:
            return self.erreur_workflow(exc)
        return self.response(200, id=item.id, etat=EtatIntervention(item.etat).value,
                             libelle=EtatIntervention(item.etat).libelle)


class LettreDemandeApi(_ApiEspace):
    """Lettres de demande of the caller's structure, and their PDF."""

    resource_name = "lettres-de-demande"
    datamodel = InterfaceEspace(LettreDemande)
    include_route_methods = {"get", "get_list", "pdf"}
    base_filters = [["intervention_id", FilterLettresMaStructure, None]]
    list_columns = show_columns = ["id", "numero", "type", "date_lettre", "intervention.id",
                                   "mode_remuneration", "taux", "quantite", "etat"]
    label_columns = {
        "id": "Identifiant", "numero": "Numéro", "type": "Type de lettre", "date_lettre": "Date de la lettre",
        "intervention.id": "Identifiant de l'intervention", "mode_remuneration": "Modalités de paiement",
        "taux": "Taux (€)", "quantite": "Heures ou jours rémunérés", "etat": "État",
    }
    list_title = show_title = "Lettres de demande"
    add_columns = edit_columns = ["numero"]  # no write route: keeps FAB from defaulting to every column
    add_query_rel_fields = edit_query_rel_fields = {}
    search_columns = ["numero", "etat", "date_lettre", "intervention"]
    order_columns = ["id", "numero", "date_lettre", "etat"]
    base_order = ("date_lettre", "desc")

    @expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    def pdf(self, pk):
        """The lettre's PDF (its read is logged).
        ---
        get:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          responses:
            200:
              description: The PDF
              content:
                application/pdf: {}
            404:
              $ref: '#/components/responses/404'
        """
        item = self.datamodel.get(pk, self._base_filters)
        if item is None or item.fichier is None:
            return self.response_404()
        return reponse_fichier(item.fichier)


def register_apis(appbuilder) -> None:
    appbuilder.add_api(InterventionApi)
    appbuilder.add_api(LettreDemandeApi)
    appbuilder.add_api(SuggestionsApi)  # suggestions of an annonce (issue 37)
    # FAB's OpenAPI document of the v1 APIs (``/api/v1/_openapi``), without
    # its Swagger page (FAB_API_SWAGGER_UI: scripts from a CDN).
    appbuilder.add_api(OpenApi)
