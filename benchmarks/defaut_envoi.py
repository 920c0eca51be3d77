"""``make pannes PANNES_ARGS="--defaut envoi-sans-reprise"``: the rq worker
without the fix of issue #34, a seeded defect the fault script must catch.

« sent » is committed once, on the connection the pool hands out without
checking it (no ``pool_pre_ping``), with no retry on a fresh connection: a
database connection cut during the SMTP dialogue leaves the row « sending »
and the e-mail is sent again after the lease. Never used outside the script.
"""

from __future__ import annotations

import sys

from rq.cli import main

import app
import app.infra.mail

_create_app = app.create_app


def _sans_pre_ping(*args, **kwargs):
    kwargs.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": False})
    return _create_app(*args, **kwargs)


if __name__ == "__main__":
    app.infra.mail.REPRISES_ENVOYE = ()
    app.create_app = _sans_pre_ping
    sys.argv[0] = "rq"
    main()
