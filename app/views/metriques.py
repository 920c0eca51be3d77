"""``/metrics``: the Prometheus exposition (``app.infra.metriques``), only
for a scraper carrying the bearer token ``METRIQUES_JETON``; a 404 otherwise."""

from __future__ import annotations

from flask import Blueprint, Flask, abort

from app.infra import metriques

blueprint = Blueprint("metriques", __name__)


@blueprint.get("/metrics")
def exposition():
    reponse = metriques.metriques_reponse()
    if reponse is None:
        abort(404)
    return reponse


def init_app(app: Flask) -> None:
    metriques.init_app(app)
    app.register_blueprint(blueprint)
