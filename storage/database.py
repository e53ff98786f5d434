"""Engine and session factory for SQLite (default) and PostgreSQL.

Why a small wrapper: SQLite needs WAL and foreign keys switched on per
connection, and its file's folder must exist; PostgreSQL needs none of that.
Everything else in ``storage/`` only sees an ``async_sessionmaker``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.inline_sqlite import inline_creator, is_inline
from storage.transactions import WRITE_OPTION, ForumAsyncSession, ForumSession

logger = logging.getLogger(__name__)


WAL_ATTEMPTS = 10
SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long SQLite waits for the write lock before saying busy (then ``write_transaction`` retries);
on an inline connection, how long a statement that met the lock waits for it in its thread."""
POSTGRES_POOL_SIZE = 5
POSTGRES_MAX_OVERFLOW = 5


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _inline_path(url: str) -> str | None:
    """The file of a plain file URL, run inline (``storage.inline_sqlite``); None for anything
    else (memory, URI options), which keeps aiosqlite's thread."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_driver_name() != "aiosqlite" or parsed.query or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 driver opens transactions lazily and on its own terms, which
    # breaks SAVEPOINT and lets a "rolled back" insert survive. Turn that off
    # and let SQLAlchemy say BEGIN itself (the recipe from SQLAlchemy's docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _ensure_wal(cursor)
    if is_inline(dbapi_connection):
        # Its statements run on the loop: SQLite must answer "busy" at once, and the statement
        # then waits in a thread (``storage.inline_sqlite``).
        cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def _ensure_wal(cursor: Any) -> None:
    """WAL is kept in the file: set it only when it is not there yet, and again when a second
    process opening a new file at the same moment (two replicas migrating) met the first one's
    lock, which SQLite reports at once instead of waiting on the busy timeout."""
    for attempt in range(WAL_ATTEMPTS):
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:  # what the driver raises at this level
            if attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))  # at start-up only, before the app serves anything


def _on_sqlite_begin(connection: Any) -> None:
    # A write (``session.begin()``, see storage/transactions.py) takes the write lock up
    # front: concurrent writers queue on busy_timeout instead of failing later when a
    # reader upgrades. A read stays deferred: in WAL mode it neither waits nor blocks.
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout.

    ``hide_parameters``: a database error's message (and so its traceback in the log) must
    not carry the statement's parameters, which are people's names, e-mails and free text.
    """
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        path = _inline_path(url)
        if path is not None:
            engine = create_async_engine(
                url, hide_parameters=True, async_creator=inline_creator(path, SQLITE_BUSY_TIMEOUT_MS)
            )
        else:
            engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    # No ``pool_pre_ping``: it cost a round trip (several ms on a loaded machine) at every
    # checkout, three times per RSVP. A connection the server dropped fails its first
    # statement instead; SQLAlchemy then invalidates the whole pool (every older
    # connection is replaced at its next checkout) and ``write_transaction`` runs the
    # unit again on a fresh connection (``storage.transactions.is_retryable``).
    return create_async_engine(
        url, pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_MAX_OVERFLOW, hide_parameters=True
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose ``begin()`` is a write and whose autobegin is a read (``storage.transactions``)."""
    return async_sessionmaker(engine, class_=ForumAsyncSession, expire_on_commit=False, sync_session_class=ForumSession)
