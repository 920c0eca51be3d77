"""WSGI entry of the benchmark only: the real application (production
settings) with the bare baseline mounted under ``/_baseline`` in the same
process, so that both are served by the same gunicorn workers."""

from __future__ import annotations

import os

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app import create_app
from benchmarks.baseline import create_baseline_app

app = create_app(os.environ.get("APP_CONFIG", "production"))
application = DispatcherMiddleware(app, {"/_baseline": create_baseline_app(app.config["SQLALCHEMY_DATABASE_URI"])})
