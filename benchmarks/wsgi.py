"""WSGI entry of the benchmark only: the production entry (``app.wsgi``,
as in the Procfile) with the bare baseline mounted under ``/_baseline`` in
the same process, so that both are served by the same gunicorn workers."""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app.wsgi import app
from benchmarks.baseline import create_baseline_app

application = DispatcherMiddleware(app, {"/_baseline": create_baseline_app(app.config["SQLALCHEMY_DATABASE_URI"])})
