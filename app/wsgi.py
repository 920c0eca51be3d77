"""Production WSGI entry (``Procfile``; the benchmark serves it too): the
application built once per worker, and the garbage collector set for a
request server.

Why the collector: a page allocates tens of thousands of short-lived objects
(ORM rows and states, form fields, template output). With CPython's default
first threshold (700) the young generation is collected many times per
request, and every older pass walks again the long-lived objects built at
start-up (routes, templates, mappers). Here those are frozen once built, and
the first threshold is ``GC_SEUIL`` (default 20,000): a signed-in page costs
about 8 % less CPU (issue #6, BENCHMARKS.md). Collections still run, less
often, so memory stays bounded.
"""

from __future__ import annotations

import gc
import os

from app import create_app

app = create_app(os.environ.get("APP_CONFIG", "production"))

gc.collect()
gc.freeze()
gc.set_threshold(int(os.environ.get("GC_SEUIL", "20000")), *gc.get_threshold()[1:])
