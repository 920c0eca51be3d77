"""Error pages and the translation of domain errors into user messages."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest

from app.extensions import db
from app.infra import integrite
from app.infra.reprise import liberer_session
from app.workflows.core import GardeRefusee, WorkflowError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_workflow_error(error: WorkflowError):
    """An illegal or refused transition: the French message, never a 500.

    Pages flash it and go back where the user came from (same host only);
    the API answers 409 (illegal in this state) or 403 (guard refused).
    """
    status = 403 if isinstance(error, GardeRefusee) else 409
    if _wants_json():
        return jsonify(message=error.message), status
    flash(error.message, "danger")
    target = request.referrer
    if not target or not target.startswith(request.host_url):
        target = url_for("AccueilView.index")
    return redirect(target)


def forbidden(error):
    if _wants_json():
        return jsonify(message="Accès refusé."), 403
    return render_template("erreurs/403.html", appbuilder=current_app.appbuilder), 403


def not_found(error):
    if _wants_json():
        return jsonify(message="Page introuvable."), 404
    return render_template("erreurs/404.html", appbuilder=current_app.appbuilder), 404


MESSAGE_PARAMETRE = "L'adresse contient un paramètre invalide (numéro de page, filtre ou tri)."


class ParametreInvalide(BadRequest):
    """A query argument the page cannot use: the client's error (400), said
    in French, never a server error."""

    description = MESSAGE_PARAMETRE


#: FAB reads every query argument whose name contains ``page_`` or
#: ``psize_`` with a bare ``int()`` (flask_appbuilder.urltools): anything but
#: a small number raised, a server error.
_ARGUMENT_ENTIER_FAB = re.compile(r"page_|psize_")
_ENTIER = re.compile(r"\d{1,9}")


#: flask-admin's (the console, /backoffice) read with ``type=int``: a huge
#: number reached the database as an OFFSET it cannot hold.
_ARGUMENTS_ENTIERS_CONSOLE = frozenset({"page", "page_size", "sort", "desc"})


#: Every row exposed by a screen has an integer id that the databases hold
#: in 64 bits: anything else names no row.
_IDENTIFIANT = re.compile(r"\d{1,18}")
_PLUS_GRAND_ID = 2**63 - 1


def _aucune_ligne(valeur) -> bool:
    if isinstance(valeur, int):
        return abs(valeur) > _PLUS_GRAND_ID
    return not _IDENTIFIANT.fullmatch(str(valeur))


def refuser_arguments_invalides():
    """A malformed page, page-size or sort argument is the client's error
    (400); a row id no row can have (FAB's ``<pk>``, the console's ``?id=``,
    any ``<int:…>``) names nothing (404), before a database refuses it."""
    console = request.path.startswith("/backoffice/")
    for nom, valeur in (request.view_args or {}).items():
        if (nom == "pk" or isinstance(valeur, int)) and _aucune_ligne(valeur):
            abort(404)
    if console and any(_aucune_ligne(v) for v in request.args.getlist("id")):
        abort(404)
    for nom, valeur in request.args.items(multi=True):
        entier = _ARGUMENT_ENTIER_FAB.search(nom) or (console and nom in _ARGUMENTS_ENTIERS_CONSOLE)
        if entier and not _ENTIER.fullmatch(valeur):
            raise ParametreInvalide()
    return None
MESSAGE_CSRF = (
    "Le jeton de sécurité du formulaire (CSRF) est absent ou a expiré : rechargez la page et recommencez."
)


def bad_request(error):
    """400 in French: a bad parameter, an expired form, a malformed request."""
    if isinstance(error, CSRFError):
        message = MESSAGE_CSRF
    elif isinstance(error, ParametreInvalide):
        message = error.description
    else:
        message = "La requête est invalide."
    if _wants_json():
        return jsonify(message=message), 400
    if "user" not in g:  # refused (CSRF) before FAB's own before_request ran
        g.user = current_user
    return render_template("erreurs/400.html", appbuilder=current_app.appbuilder, message=message), 400


#: The other errors a person may meet, in French (issue 25): title, explanation.
ERREURS = {
    405: ("Action impossible", "Cette adresse ne permet pas cette action : revenez à la page précédente."),
    413: ("Fichier trop volumineux", "Le fichier ou le formulaire envoyé dépasse la taille autorisée."),
    429: ("Trop de tentatives",
          "Vous avez fait trop de tentatives en peu de temps. Patientez quelques minutes, puis recommencez."),
    500: ("Erreur du serveur",
          "Une erreur inattendue s'est produite. Votre action n'a pas été enregistrée : réessayez dans un moment."),
}


def page_precedente() -> str | None:
    """The page the person came from, on this site only (a way back)."""
    cible = request.referrer
    if cible and cible.startswith(request.host_url) and not (request.method == "GET" and cible == request.url):
        return cible
    return None


def page_erreur(error):
    """405, 413, 429 and 500 in French with a way back, never the frameworks'
    English (« Too Many Requests / 10 per 5 minute »)."""
    code = getattr(error, "code", None) or 500
    titre, message = ERREURS.get(code, ERREURS[500])
    if code >= 500:
        liberer_session(fermer=False)  # the failed transaction must not leak into the page; never raises
    if _wants_json():
        return jsonify(message=message), code
    if "user" not in g:
        g.user = current_user
    try:
        return render_template("erreurs/erreur.html", appbuilder=current_app.appbuilder, titre=titre,
                               message=message, precedente=page_precedente()), code
    except Exception:  # noqa: BLE001  the layout itself failed (database down): a bare French page
        current_app.logger.exception("page d'erreur %s", code)
        return (f'<!DOCTYPE html><html lang="fr"><head><title>{titre}</title></head><body><main>'
                f'<h1>{titre}</h1><p>{message}</p><p><a href="/">Retour à l\'accueil</a></p></main></body></html>',
                code, {"Content-Type": "text/html; charset=utf-8"})


def erreur_integrite(error: IntegrityError):
    """A row the database refused in a page without its own handling: the
    French reason (``app.infra.integrite``) with a way back (409), never the
    database's text nor a server error."""
    db.session.rollback()
    current_app.logger.warning("contrainte d'intégrité : %s", error.orig)
    message = integrite.erreur_integrite(error).message
    if _wants_json():
        return jsonify(message=message), 409
    if "user" not in g:
        g.user = current_user
    return render_template("erreurs/erreur.html", appbuilder=current_app.appbuilder, titre="Enregistrement impossible",
                           message=f"{message} Rien n'a été enregistré.", precedente=page_precedente()), 409


def init_app(app) -> None:
    app.register_error_handler(IntegrityError, erreur_integrite)
    app.before_request(refuser_arguments_invalides)
    for code in ERREURS:
        app.register_error_handler(code, page_erreur)
    app.register_error_handler(400, bad_request)
    app.register_error_handler(WorkflowError, handle_workflow_error)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
