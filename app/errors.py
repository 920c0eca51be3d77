"""Error pages and the translation of domain errors into user messages."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for

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


def init_app(app) -> None:
    app.register_error_handler(WorkflowError, handle_workflow_error)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
