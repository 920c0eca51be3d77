"""Extension objects, created unbound and attached in ``create_app``.

The SQLAlchemy object is built on Flask-AppBuilder's ``Model.metadata`` so that
FAB's own tables (ab_user, ab_role, ...) live in the same metadata and Alembic
sees them. The naming convention is set on that metadata before any table is
declared by this project.
"""

from __future__ import annotations

import contextvars
import sqlite3

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Model.metadata.naming_convention = NAMING_CONVENTION

db = get_sqla_class()(metadata=Model.metadata)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()


#: How long (ms) a SQLite connection waits for another one's write lock
#: before « database is locked ».
SQLITE_ATTENTE_VERROU_MS = 15000


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys and let SQLAlchemy drive transactions
    (pysqlite's own BEGIN handling breaks SAVEPOINTs). On a database file
    (the embedded default), WAL: readers and the one writer no longer block
    each other, and a writer waits for the lock (busy timeout) instead of
    failing at once (issue 33: concurrent sign-ins answered 500)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_ATTENTE_VERROU_MS}")
        fichier = any(ligne[2] for ligne in cursor.execute("PRAGMA database_list") if ligne[1] == "main")
        if fichier:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


#: Set on every PostgreSQL connection (``_postgresql_on_connect``).
REGLAGES_POSTGRESQL = {
    # The tables are meant to stay in memory (24 GB for 1.5 GB at 300,000
    # profiles): a random read costs about a sequential one. At the default
    # (4) the planner walked a whole index rather than read 1,000 rows found
    # by the GIN index: CV-thèque count of a spécialité and a région, 16 ms
    # instead of 2 to 5 at 100,000 and 300,000 profiles.
    "random_page_cost": "1.1",
    # JIT compiles a plan whose estimated cost passes jit_above_cost (100,000):
    # the suggestions' ranking (thousands of candidates, correlated counts) was
    # such a plan, and compiling it took 50-60 ms of a 190 ms statement at
    # 100,000 profiles; no statement of the portal runs long enough to win
    # that back (EXPLAIN ANALYZE, bench volume).
    "jit": "off",
}


@event.listens_for(Engine, "connect")
def _postgresql_on_connect(dbapi_connection, connection_record) -> None:
    """PostgreSQL: REGLAGES_POSTGRESQL for the connection's life (committed:
    a rolled-back SET is undone), and no statement prepared by psycopg unless
    it asks for it (``preparee``).

    psycopg prepares a statement once it has run 5 times on a connection, and
    PostgreSQL then keeps one generic plan for all values when it looks as
    cheap; a generic plan cannot use a partial index whose condition is a
    parameter (the CV-thèque's, on the validated profiles): once prepared, the
    count of a free text went from 3 ms to 30-57 ms at 100,000 profiles (issue
    #6). Each statement is therefore planned with its values, as the first 5
    are, except those marked ``PREPARER`` (and psycopg's ``executemany``,
    which prepares the statement it runs for each row). (``plan_cache_mode =
    force_custom_plan`` would do it too, but for the server's own cached plans
    as well: every foreign-key check of the alerts' INSERT … SELECT planned
    again, 1.5 → 3 s at 100,000.)"""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        # A threshold never reached: only what asks is prepared (``_executer``);
        # None refuses even those (POSTGRESQL_PREPARER off).
        dbapi_connection.prepare_threshold = 2**31 - 1 if _preparation["active"] else None
        for nom, valeur in REGLAGES_POSTGRESQL.items():
            dbapi_connection.execute("SELECT set_config(%s, %s, false)", (nom, valeur))
        dbapi_connection.commit()


#: Whether statements marked ``PREPARER`` are prepared (setting
#: ``POSTGRESQL_PREPARER``). Off when PostgreSQL is reached through a
#: transaction-mode pooler (PgBouncer…): a prepared statement belongs to a
#: server session, which such a pooler does not keep for the connection.
_preparation = {"active": True}


def configurer_preparation(active: bool) -> None:
    _preparation["active"] = bool(active)


#: Execution option of a statement PostgreSQL should keep prepared on each
#: connection: a statement run at every request with the same plan whatever
#: its values (primary keys, an owner's rows). The others are planned at each
#: execution (see ``_postgresql_on_connect``).
PREPARER = "espace_preparer"


def preparee(statement):
    """``statement`` kept prepared by PostgreSQL on each connection (PREPARER)."""
    return statement.execution_options(**{PREPARER: True})


@event.listens_for(Engine, "do_execute")
def _executer(cursor, statement, parameters, context) -> bool | None:
    """psycopg prepares the statements marked ``PREPARER`` (planned once per
    connection instead of at each request: the signed-in user's statement
    alone took 0.6 ms to plan, issue #6) and no other."""
    if type(cursor).__module__.startswith("psycopg"):
        preparer = _preparation["active"] and bool(context.execution_options.get(PREPARER))
        cursor.execute(statement, parameters, prepare=preparer)
        return True
    return None


#: Set while ``transaction_en_ecriture`` opens a transaction: BEGIN IMMEDIATE.
_begin_immediat: contextvars.ContextVar[bool] = contextvars.ContextVar("begin_immediat", default=False)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediat.get() else "BEGIN")


def transaction_en_ecriture(session) -> None:
    """On SQLite, end the current transaction (committed) and open the next
    one holding the write lock (BEGIN IMMEDIATE, waiting for it under the
    busy timeout). A SQLite transaction that has read cannot wait for the
    write lock: when another connection writes first, its own first write
    fails at once with « database is locked ». Used by the steps that read
    then write under concurrency (a sign-in). Elsewhere: nothing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.commit()
    jeton = _begin_immediat.set(True)
    try:
        session.connection()
    finally:
        _begin_immediat.reset(jeton)
