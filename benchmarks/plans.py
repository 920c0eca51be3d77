"""EXPLAIN plans of the queries the real pages send (issue #6, growth): each
page is rendered in-process, its statements are captured as sent to the
driver, then explained (PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY
PLAN). Only the slowest data statements of each page are kept."""

from __future__ import annotations

import re
import time

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import event

from app.extensions import db
from app.security.sessions import cles_de_session

GARDER = 2  # statements kept per page
_SECURITE = re.compile(r"\bab_(user|role|permission|view_menu|permission_view)", re.I)


def _capturer(app, engine, path: str, user_id: int | None) -> list[tuple[str, object]]:
    client = app.test_client()
    if user_id is not None:
        cles = cles_de_session(db.session.get(User, user_id))
        db.session.commit()
        with client.session_transaction() as session:
            session.update(cles)
    client.get(path)  # warm the per-process caches
    statements: list[tuple[str, object]] = []

    def ecouter(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", ecouter)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", ecouter)
    if response.status_code != 200:
        raise RuntimeError(f"{path} : HTTP {response.status_code}")
    return [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH")) and not _SECURITE.search(s)]


def _expliquer(conn, statement: str, parameters) -> tuple[float, str]:
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
        ms = next((float(r.split(":")[1].split()[0]) for r in rows if r.startswith("Execution Time")), 0.0)
        return ms, "\n".join(rows)
    debut = time.perf_counter()
    conn.exec_driver_sql(statement, parameters).fetchall()
    ms = (time.perf_counter() - debut) * 1000
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return ms, "\n".join(r[-1] for r in rows)


def plans(app, pages: list[tuple[str, str, int | None]]) -> str:
    """Markdown: for each (name, path, user id), the slowest statements with their plans."""
    out = []
    with app.app_context():
        engine = db.engine
    # Requests outside any app context: each one gets its own (and its own g).
    for nom, path, user_id in pages:
        captures = _capturer(app, engine, path, user_id)
        with engine.connect() as conn:
            expliques = sorted((_expliquer(conn, s, p) + (s,) for s, p in captures), reverse=True)
        out += [f"#### {nom} — `{path}`", ""]
        for ms, plan, statement in expliques[:GARDER]:
            out += [f"{ms:.2f} ms :", "", "```sql", statement.strip(), "```", "", "```", plan, "```", ""]
    return "\n".join(out)
