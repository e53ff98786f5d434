"""SQLite on the event loop's own thread, with aiosqlite's interface, for SQLAlchemy's aiosqlite dialect.

Why: aiosqlite runs every call in a thread of its own, and SQLAlchemy's
dialect makes three or four such calls per statement (a cursor, the
statement, its rows, closing the cursor). Each call is a round trip between
two threads and the GIL: about 0.45 ms of CPU per statement on these
machines, where SQLite itself needs 0.06 ms for one of ours (a primary-key
read, an upsert). A turn runs ten to twenty statements, BEGIN and COMMIT
included, so the threads cost more than the rest of the turn's database work.

Here the statements run where they are awaited. What must not block the
loop still goes to a thread:

- a statement that meets another process's write lock (``SQLITE_BUSY``: the
  CLI importing a programme, say). The connection's own busy timeout is 0, so
  SQLite answers at once; the statement then runs again in a thread with the
  usual busy timeout, as it did under aiosqlite. A statement that got
  ``SQLITE_BUSY`` did nothing, so running it again is safe. Writers of this
  process never meet each other here: they queue on an ``asyncio.Lock`` first
  (``storage.transactions``);
- the COMMIT of a transaction that wrote, which waits for the disk (fsync).

The trade-off: SQLite's own work runs on the loop. At the forum's sizes (50
people, seven meetings, a poll's few hundred answers) a statement takes
microseconds; the slowest, the poll results over 100,000 stored answers,
are the coordinators' rare commands (``bench/poll_results.py``).

Only SQLAlchemy's dialect uses these objects, through the parts of
aiosqlite's interface it calls (``storage.database`` plugs them in with
``async_creator``). ``tests/storage/test_inline_sqlite.py`` holds both sides.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from storage.transactions import says_sqlite_busy

logger = logging.getLogger(__name__)

T = TypeVar("T")

_WAITS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sqlite-wait")
"""Threads of their own for what waits (a lock, the disk): the loop's default executor carries
the Bot Connector calls (``bot.delivery.limiter.use_http_threads``), may be full of them, and is
shut down before the database at the bot's stop."""


async def _in_thread(call: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_WAITS, partial(call, *args))


class _RunNow:
    """Stands in for aiosqlite's queue of calls: SQLAlchemy's ``isolation_level`` setter puts
    ``(future, function)`` on it directly."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # noqa: BLE001 (handed to the awaiting caller, as aiosqlite's thread does)
            future.set_exception(exc)


class InlineCursor:
    """An aiosqlite-like cursor over a ``sqlite3`` cursor, run where it is awaited."""

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner
        self._cursor = owner._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await self._owner.run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)  # it may run twice (see ``InlineConnection.run``)
        await self._owner.run(self._cursor.executemany, sql, rows)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """An aiosqlite-like connection whose calls run on the loop (see the module's docstring)."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self._conn = connection
        self._busy_timeout_ms = busy_timeout_ms
        """How long a statement that met another process's lock waits for it, in its thread."""
        self._connection: sqlite3.Connection | None = connection
        """What SQLAlchemy's dialect tests before a commit or rollback (None once closed)."""
        self._tx = _RunNow()
        self._committed_changes = connection.total_changes

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` now; in a thread with the busy timeout when another process holds the lock."""
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            if not says_sqlite_busy(exc):
                raise
        return await _in_thread(self._patiently, call, *args)

    def _patiently(self, call: Callable[..., T], *args: Any) -> T:
        self._conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        try:
            return call(*args)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    async def commit(self) -> None:
        wrote = self._conn.total_changes != self._committed_changes
        if wrote and self._conn.in_transaction:
            await _in_thread(self._conn.commit)  # waits for the disk: not on the loop
        else:
            self._conn.commit()
        self._committed_changes = self._conn.total_changes

    async def rollback(self) -> None:
        self._conn.rollback()
        self._committed_changes = self._conn.total_changes

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        """SQLAlchemy's forced termination (aiosqlite 0.22's ``stop``)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_creator(path: str, busy_timeout_ms: int) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine``: inline connections to the file ``path``.

    The driver's own busy timeout is 0 (``run`` waits in a thread instead), its
    transactions are SQLAlchemy's (``isolation_level=None``, as
    ``storage.database`` sets anyway), and a connection may be used from the
    thread a waiting statement or a commit runs in.
    """

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection, busy_timeout_ms)

    return connect


def is_inline(dbapi_connection: Any) -> bool:
    """Whether SQLAlchemy's adapted connection wraps an ``InlineConnection``."""
    return isinstance(getattr(dbapi_connection, "_connection", None), InlineConnection)
