"""``/sante/vivant`` and ``/sante/pret``: the probes of load balancers and
orchestrators (``app.infra.sante``). Public, JSON, never cached; they read
no session and no user, so they neither open nor extend one."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from app.infra import sante

blueprint = Blueprint("sante", __name__, url_prefix="/sante")


def _json(corps: dict, statut: int):
    reponse = jsonify(corps)
    reponse.status_code = statut
    reponse.headers["Cache-Control"] = "no-store"
    return reponse


@blueprint.get("/vivant")
def vivant():
    """The process answers (nothing else is checked)."""
    return _json({"statut": "ok"}, 200)


@blueprint.get("/pret")
def pret():
    """The node can serve: database, migrations, Redis (if configured), storage."""
    ok, verifications = sante.etat_pret()
    return _json({"statut": "ok" if ok else "indisponible", "verifications": verifications}, 200 if ok else 503)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
