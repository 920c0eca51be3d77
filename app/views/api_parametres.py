"""The ``q`` argument (and the JSON body) of every ``/api/v1`` route, checked once (issue 33, point 4).

FAB parses ``q`` (Rison, or JSON) in each route's ``@rison`` decorator: an
unbalanced ``(((`` sent its parser into endless recursion and ``page:1e99``
reached the pagination as a float too big for an integer, two server errors.
Here, before any API view runs, ``q`` is parsed with bounded size and depth,
its numbers must be finite and of a sane size, page and page size whole
numbers, and for FAB's list, item and info routes the value must follow
FAB's own schema and name only the view's filterable columns, their
operators and its sortable columns. Anything else is the client's error:
400 with a French message (``app.infra.errors.bad_request``).
"""

from __future__ import annotations

import json
import math
import re

import jsonschema
import prison
from flask import current_app, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.api.schemas import get_info_schema, get_item_schema, get_list_schema
from flask_babel import gettext

from app.infra.errors import ParametreInvalide

PREFIXE = "/api/v1/"
#: Longest ``q`` read (characters) and deepest nesting of lists and objects.
LONGUEUR_MAX = 4000
PROFONDEUR_MAX = 8
#: Largest number accepted anywhere in ``q`` (filters compare it with
#: columns; beyond, a database may refuse it).
NOMBRE_MAX = 10**15
#: Largest page number and page size (FAB caps the size at the view's maximum).
PAGE_MAX = 10**6

SCHEMAS = {"get_list": get_list_schema, "get": get_item_schema, "info": get_info_schema}
TYPES = {"integer": "un nombre entier", "number": "un nombre", "string": "un texte", "boolean": "un booléen",
         "array": "une liste", "object": "un objet"}


def _refus(detail: str) -> ParametreInvalide:
    return ParametreInvalide(description=f"Paramètre « q » invalide : {detail}")


def _profondeur(texte: str) -> int:
    """Deepest nesting of ``(``, ``[`` and ``{`` outside quoted strings (Rison
    quotes with ``'`` and escapes with ``!``, JSON with ``"`` and ``\\``)."""
    profondeur = plus_profonde = 0
    guillemet = None
    echappe = False
    for car in texte:
        if guillemet:
            if echappe:
                echappe = False
            elif car in "!\\":
                echappe = True
            elif car == guillemet:
                guillemet = None
        elif car in "'\"":
            guillemet = car
        elif car in "([{":
            profondeur += 1
            plus_profonde = max(plus_profonde, profondeur)
        elif car in ")]}":
            profondeur -= 1
    return plus_profonde


def lire_q(texte: str):
    """The value of ``q`` (Rison, or JSON as FAB accepts), or ParametreInvalide."""
    if len(texte) > LONGUEUR_MAX:
        raise _refus(f"trop long (au plus {LONGUEUR_MAX} caractères).")
    if _profondeur(texte) > PROFONDEUR_MAX:
        raise _refus(f"imbrication trop profonde (au plus {PROFONDEUR_MAX} niveaux).")
    try:
        return prison.loads(texte)
    except (prison.decoder.ParserException, RecursionError, ValueError, TypeError, IndexError, KeyError):
        pass
    if current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
        try:
            return json.loads(texte)
        except (ValueError, RecursionError):
            pass
    raise _refus("ce n'est pas une expression Rison ou JSON valide.")


def _verifier_nombres(valeur, chemin: str = "q") -> None:
    """Numbers finite and of a sane size; no NUL character in a text
    (PostgreSQL refuses it: a server error)."""
    if isinstance(valeur, str):
        if "\x00" in valeur:
            raise _refus(f"« {chemin} » contient un caractère nul.")
        return
    if isinstance(valeur, bool) or valeur is None:
        return
    if isinstance(valeur, int | float):
        if not math.isfinite(valeur) or abs(valeur) > NOMBRE_MAX:
            raise _refus(f"le nombre de « {chemin} » est hors limites.")
        return
    if isinstance(valeur, dict):
        for cle, element in valeur.items():
            _verifier_nombres(cle, chemin)
            _verifier_nombres(element, f"{chemin}.{cle}")
    elif isinstance(valeur, list):
        for rang, element in enumerate(valeur):
            _verifier_nombres(element, f"{chemin}[{rang}]")


def _entier_de_page(valeur, nom: str, minimum: int) -> None:
    if valeur is None:
        return
    entier = isinstance(valeur, int) and not isinstance(valeur, bool)
    if isinstance(valeur, float) and valeur.is_integer():
        entier = True
    if not entier or not minimum <= valeur <= PAGE_MAX:
        raise _refus(f"« {nom} » doit être un nombre entier entre {minimum} et {PAGE_MAX}.")


def _message_schema(erreur: jsonschema.ValidationError) -> str:
    chemin = ".".join(str(p) for p in erreur.absolute_path) or "q"
    if erreur.validator == "type":
        attendus = erreur.validator_value if isinstance(erreur.validator_value, list) else [erreur.validator_value]
        return f"« {chemin} » doit être {' ou '.join(TYPES.get(t, t) for t in attendus)}."
    if erreur.validator == "enum":
        return f"« {chemin} » doit valoir : {', '.join(map(str, erreur.validator_value))}."
    if erreur.validator == "required":
        return f"« {chemin} » : champ obligatoire manquant ({erreur.message.split(' ', 1)[0]})."
    return f"« {chemin} » n'a pas une valeur acceptée."


def _vue_de_la_route():
    vue = current_app.view_functions.get(request.endpoint)
    return getattr(vue, "__self__", None)


_ENTIER = re.compile(r"-?\d{1,18}")
ENTIER_MAX = 2**31 - 1
#: FAB's operators that take a list of values.
OPERATEURS_LISTE = frozenset({"in", "not_in"})


def _verifier_valeur(datamodel, chemin: str, colonne: str, operateur: str, valeur) -> None:
    """A filter's value of the column's kind: FAB converts numbers and dates
    itself (None when it cannot), but appended ``%`` to a number for a text
    column, sent an unknown value to an enumeration and anything to a
    relation's key (PostgreSQL refused ''), server errors."""
    if operateur in OPERATEURS_LISTE:
        if not isinstance(valeur, list):
            raise _refus(f"« {chemin}.value » doit être une liste pour l'opérateur « {operateur} ».")
        valeurs = valeur
    elif isinstance(valeur, list):
        raise _refus(f"« {chemin}.value » : une seule valeur attendue pour l'opérateur « {operateur} ».")
    else:
        valeurs = [valeur]
    if datamodel.is_enum(colonne):
        possibles = list(datamodel.list_columns[colonne].type.enums)
        if any(v not in possibles for v in valeurs):
            raise _refus(f"« {chemin}.value » doit valoir : {', '.join(possibles)}.")
    elif datamodel.is_relation(colonne) or datamodel.is_integer(colonne):
        # The project's keys and integer columns are 32-bit (PostgreSQL
        # refused a larger number, a server error).
        if any(isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and _ENTIER.fullmatch(v)))
               or abs(int(v)) > ENTIER_MAX for v in valeurs):
            raise _refus(f"« {chemin}.value » doit être un nombre entier (au plus {ENTIER_MAX}).")
    elif datamodel.is_string(colonne) or datamodel.is_text(colonne):
        if any(not isinstance(v, str) for v in valeurs):
            raise _refus(f"« {chemin}.value » doit être un texte (entre apostrophes en Rison).")


def _verifier_colonnes(vue, valeur: dict) -> None:
    """Filters and sort name what the view offers (FAB refused them too, in English)."""
    filtres = getattr(vue, "_filters", None)
    for rang, filtre in enumerate(valeur.get("filters") or []):
        colonne, operateur = filtre.get("col"), filtre.get("opr")
        offerts = filtres.get_search_filters().get(colonne) if filtres is not None else None
        if not offerts:
            raise _refus(f"« filters[{rang}] » : la colonne « {colonne} » ne peut pas être filtrée.")
        if operateur not in {f.arg_name for f in offerts}:
            raise _refus(f"« filters[{rang}] » : l'opérateur « {operateur} » n'existe pas pour « {colonne} » "
                         f"(possibles : {', '.join(sorted(f.arg_name for f in offerts))}).")
        _verifier_valeur(vue.datamodel, f"filters[{rang}]", colonne, operateur, filtre.get("value"))
    colonne = valeur.get("order_column")
    if colonne and colonne not in (getattr(vue, "order_columns", None) or ()):
        raise _refus(f"« order_column » : le tri par « {colonne} » n'est pas possible.")
    if valeur.get("select_columns") and valeur.get("columns"):
        raise _refus("« columns » et « select_columns » ne peuvent pas être donnés ensemble.")


def verifier_corps() -> None:
    """A JSON body sent to an API route is one object (FAB's item routes
    read its keys: a list was a server error)."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.is_json or not request.get_data(cache=True):
        return
    corps = request.get_json(silent=True)
    if not isinstance(corps, dict):
        raise ParametreInvalide(description="Le corps de la requête doit être un objet JSON ({…}).")


def verifier_q():
    """Before every API view: a ``q`` the view can use and a JSON body that
    is an object, or 400 in French."""
    if not request.path.startswith(PREFIXE):
        return None
    verifier_corps()
    if "q" not in request.args:
        return None
    textes = request.args.getlist("q")
    if len(textes) > 1:
        raise _refus("donné plusieurs fois.")
    if not textes[0]:
        return None
    valeur = lire_q(textes[0])
    _verifier_nombres(valeur)
    vue = _vue_de_la_route()
    action = (request.endpoint or "").rpartition(".")[2]
    schema = SCHEMAS.get(action) if isinstance(vue, ModelRestApi) else None
    if schema is None:
        return None
    try:
        jsonschema.validate(instance=valeur, schema=schema)
    except jsonschema.ValidationError as erreur:
        raise _refus(_message_schema(erreur)) from None
    _entier_de_page(valeur.get("page"), "page", 0)
    _entier_de_page(valeur.get("page_size"), "page_size", 1)
    if action == "get_list":
        _verifier_colonnes(vue, valeur)
    return None


class ApiModeleEspace(ModelRestApi):
    """The project's FAB model APIs. ``_info`` translated each column's
    description, an empty one too: gettext("") is the catalogue's header
    (« Project-Id-Version … »), sent as the description of every field."""

    def _get_field_info(self, field, *args, **kwargs):
        info = super()._get_field_info(field, *args, **kwargs)
        description = self.description_columns.get(field.name)
        info["description"] = str(gettext(description)) if description else ""
        return info


def init_app(app) -> None:
    app.before_request(verifier_q)
