"""A request that meets a dead database connection (PostgreSQL restarted, its
backends terminated) is run again once, on a fresh connection, when it had
written nothing yet; any error left is the application's French page, never
the server's raw one (issue #34).

The pool checks a connection before lending it (``pool_pre_ping``) and
replaces those older than ``SQLALCHEMY_POOL_RECYCLE`` seconds; what it cannot
see is a connection cut while a request holds it: that request is the one
retried here.
"""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.extensions import db

log = logging.getLogger(__name__)

#: Statements that change nothing: a request that ran only these may be run again.
_LECTURES = frozenset({"SELECT", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA"})
_ECRITURE = "_espace_ecriture"


@event.listens_for(Engine, "before_cursor_execute")
def _noter_ecriture(conn, cursor, statement, parameters, context, executemany) -> None:
    """Mark the request as having written (no retry after that)."""
    if not has_request_context() or getattr(g, _ECRITURE, False):
        return
    mot = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    ecrit = mot not in _LECTURES or (context is not None and (context.isinsert or context.isupdate or context.isdelete))
    if ecrit:
        setattr(g, _ECRITURE, True)


def connexion_perdue(exc: BaseException) -> bool:
    """The error of a connection that died (SQLAlchemy invalidated it)."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def liberer_session(fermer: bool = True) -> None:
    """Roll the request's session back, or (``fermer``) close it, which rolls
    its transaction back too and drops it with its connection; never raises
    (a rollback on a dead connection must not turn into the server's raw
    error page). Closing does not expire the objects read (a rollback
    first would have: an object read in one context and used after it
    could no longer be read)."""
    if not fermer:
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is already gone
            log.info("Annulation impossible sur une connexion perdue", exc_info=True)
        return
    try:
        db.session.close()
    except Exception:  # noqa: BLE001
        log.info("Fermeture impossible d'une session sur une connexion perdue", exc_info=True)
    finally:
        db.session.registry.clear()


class Application(Flask):
    """Flask, with the request retried once on a lost database connection."""

    def full_dispatch_request(self):
        try:
            return super().full_dispatch_request()
        except DBAPIError as exc:
            if not connexion_perdue(exc) or getattr(g, _ECRITURE, False) or g.get("_espace_reprise"):
                raise
            log.warning("Connexion à la base perdue pendant %s : requête rejouée sur une nouvelle connexion (%s)",
                        _chemin(), type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
            liberer_session()
            # Objects of the closed session (the signed-in user, cached
            # permissions…) must not be reused: the request starts afresh.
            for nom in list(vars(g)):
                delattr(g, nom)
            g._espace_reprise = True
            return super().full_dispatch_request()


def _chemin() -> str:
    from flask import request

    return f"{request.method} {request.path}"


class DernierRecours:
    """WSGI wrapper: an error that escapes Flask itself (its error handler or a
    teardown failed) still gets a French 500 page, never gunicorn's English one."""

    PAGE = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Erreur du serveur</title></head>'
            "<body><main><h1>Erreur du serveur</h1><p>Une erreur inattendue s'est produite. Votre action n'a pas "
            "été enregistrée : réessayez dans un moment.</p><p><a href=\"/\">Retour à l'accueil</a></p></main>"
            "</body></html>").encode()

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        try:
            corps = self.wsgi_app(environ, start_response)
        except Exception:  # noqa: BLE001 - last resort, logged
            log.exception("Erreur hors de l'application sur %s %s", environ.get("REQUEST_METHOD"),
                          environ.get("PATH_INFO"))
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/html; charset=utf-8"),
                                                        ("Content-Length", str(len(self.PAGE)))],
                           __import__("sys").exc_info())
            return [self.PAGE]
        return corps


def init_app(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's: runs before it, so that its own
    # ``session.remove()`` finds nothing left to roll back on a dead connection.
    app.teardown_appcontext(lambda exc: liberer_session())
    app.wsgi_app = DernierRecours(app.wsgi_app)
