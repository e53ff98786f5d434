"""Engine and session factory for SQLite (default) and PostgreSQL.

Why a small wrapper: SQLite needs WAL and foreign keys switched on per
connection, and its file's folder must exist; PostgreSQL needs none of that.
Everything else in ``storage/`` only sees an ``async_sessionmaker``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

logger = logging.getLogger(__name__)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 driver opens transactions lazily and on its own terms, which
    # breaks SAVEPOINT and lets a "rolled back" insert survive. Turn that off
    # and let SQLAlchemy say BEGIN itself (the recipe from SQLAlchemy's docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: concurrent transactions queue
    # on busy_timeout instead of failing later when a reader tries to write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout.

    ``hide_parameters``: a database error's message (and so its traceback in the log) must
    not carry the statement's parameters, which are people's names, e-mails and free text.
    """
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
