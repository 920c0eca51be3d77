"""Concurrency: a database shared by real threads (``base_partagee``, on PostgreSQL a committed one cleaned afterwards) and requests sent at the same instant (``_en_meme_temps``)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.extensions import db
from app.referentiels import options
from app.security.manager import vider_cache_permissions
from app.views import cache_public
from tests.conftest import csrf_token_from, page_text


def _maxima(conn) -> dict[str, int]:
    return {
        table.name: conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))
        for table in db.metadata.sorted_tables
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer)
    }


def _effacer_depuis(conn, maxima: dict[str, int]) -> None:
    """Delete every row added since ``maxima`` (children first)."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name in maxima:
            conditions = [table.c.id > maxima[table.name]]
        else:  # association tables: rows pointing at a new row
            conditions = [
                fk.parent > maxima[fk.column.table.name]
                for fk in table.foreign_keys
                if fk.column.table.name in maxima and fk.column.name == "id"
            ]
        if conditions:
            conn.execute(sa.delete(table).where(sa.or_(*conditions)))


@pytest.fixture
def base_partagee(app):
    """The real engine instead of the test's rolled-back connection: rows are
    committed for every thread to see, and deleted afterwards."""
    engines = db.engines
    connexion = engines[None]
    engine = connexion.engine
    db.session.remove()
    engines[None] = engine
    with engine.connect() as conn:
        maxima = _maxima(conn)
    try:
        yield engine
    finally:
        db.session.remove()
        with engine.begin() as conn:
            _effacer_depuis(conn, maxima)
        engines[None] = connexion
        options.vider()
        vider_cache_permissions()
        cache_public.vider()


def _en_meme_temps(app, user_id: int, page: str, url: str, donnees: list[dict]) -> list[tuple[int, str]]:
    """POST each ``donnees`` to ``url`` from its own thread, client and
    connection, all released at once; returns (status, body) in order."""
    from flask_appbuilder.security.sqla.models import User

    from app.security.deux_facteurs import CLE_VERIFIE
    from app.security.sessions import cles_de_session

    barriere = threading.Barrier(len(donnees))
    resultats: list[tuple[int, str] | BaseException | None] = [None] * len(donnees)
    # One server-side session per client, opened before the threads (issue 19),
    # past the second factor (issue 28).
    user = db.session.get(User, user_id)
    cles = [cles_de_session(user) for _ in donnees]
    db.session.commit()

    def client_(i: int) -> None:
        try:
            client = app.test_client()
            with client.session_transaction() as session:
                session.update(cles[i])
                session[CLE_VERIFIE] = True
            token = csrf_token_from(client.get(page).get_data(as_text=True))
            barriere.wait(timeout=60)
            response = client.post(url, data={"csrf_token": token, **donnees[i]})
            resultats[i] = (response.status_code, page_text(response))
        except BaseException as exc:  # reported by the test, not as a thread warning
            barriere.abort()
            resultats[i] = exc

    threads = [threading.Thread(target=client_, args=(i,)) for i in range(len(donnees))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for resultat in resultats:
        if isinstance(resultat, BaseException):
            raise resultat
    assert all(resultats), "un client n'a pas répondu"
    return resultats  # type: ignore[return-value]
