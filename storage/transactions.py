"""Short write transactions, retried when the database is busy; reads stay outside them.

Why: on SQLite one writer at a time holds the database's write lock. A turn
that reads, renders and writes inside one ``BEGIN IMMEDIATE`` makes every
other turn queue behind it, and under a burst (the whole forum pressing an
RSVP button within a minute) some waited out the busy timeout and failed.
So the rule is:

- a session used without ``session.begin()`` is a *read*: on SQLite it opens
  a deferred transaction (``BEGIN``), which in WAL mode never waits for a
  writer and never blocks one;
- ``session.begin()`` is a *write*: on SQLite it takes the write lock at once
  (``BEGIN IMMEDIATE``), so two writers queue on the busy timeout instead of
  one failing later when it upgrades a read lock;
- on SQLite the writers of this process also queue on an ``asyncio.Lock``
  (first come, first served) before they ask SQLite for its lock: SQLite's
  busy handler sleeps and polls, so under a burst a waiter kept missing the
  lock for seconds while later ones got it (p99 of 1.5–4.5 s at 8–32
  concurrent RSVPs, ``bench/inbound.py``). Other processes (the CLI) still
  meet SQLite's own lock and busy timeout;
- ``write_transaction`` runs a unit of writes in its own short transaction
  and runs it again, after a short jittered pause, when the database still
  says it is busy (SQLite's ``database is locked``; PostgreSQL's
  serialization failure or deadlock), so a burst queues instead of losing a
  turn. After the last attempt it raises ``DatabaseBusyError``, which the bot
  answers as "try again" and never as a failure in the channel.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

WRITE_OPTION = "foorumibotti_write"
"""Connection execution option: this connection's transaction writes (``BEGIN IMMEDIATE`` on SQLite)."""
WRITE_ATTEMPTS = 6
FIRST_PAUSE_SECONDS = 0.02
MAX_PAUSE_SECONDS = 0.5
WRITE_LOCK_WAIT_SECONDS = 10.0
"""How long a writer waits for this process's SQLite write queue before it is told "busy"."""
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
_POSTGRES_RETRYABLE = frozenset({"40001", "40P01"})
"""serialization_failure, deadlock_detected: the transaction can simply run again."""


class DatabaseBusyError(Exception):
    """The database stayed busy through every attempt: nothing was written; ask to try again."""


class ForumSession(Session):
    """A session whose explicit ``begin()`` is a write transaction (see the module's docstring).

    On SQLite the connection is taken at ``begin()`` with ``WRITE_OPTION``, so
    the engine's ``begin`` hook says ``BEGIN IMMEDIATE``; a session that only
    autobegins (a read) gets a deferred ``BEGIN``.

    On PostgreSQL a read runs without a transaction (``AUTOCOMMIT``): under its
    READ COMMITTED isolation each statement sees its own snapshot anyway, and
    the ``BEGIN`` and ``ROLLBACK`` around a read were two of the three round
    trips of every one-statement read (the turn's identity, the meeting of an
    RSVP).
    """

    _writing = False

    def begin(self, nested: bool = False) -> SessionTransaction:
        if not nested:
            self._writing = True
        transaction = super().begin(nested=nested)
        if not nested and self.bind is not None and self.bind.dialect.name == "sqlite":
            self.connection(execution_options={WRITE_OPTION: True})
        return transaction

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        bind = super().get_bind(*args, **kwargs)
        if self._writing or not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
            return bind
        return _without_transaction(bind)


@event.listens_for(ForumSession, "after_transaction_end")
def _write_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and isinstance(session, ForumSession):
        session._writing = False  # the session's next use autobegins: a read again


_AUTOCOMMIT_TWIN = "_foorumibotti_autocommit_twin"


def _without_transaction(engine: Engine) -> Engine:
    """The engine's ``AUTOCOMMIT`` twin (same pool), made once per engine and kept on it."""
    twin: Engine | None = engine.__dict__.get(_AUTOCOMMIT_TWIN)
    if twin is None:
        twin = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine.__dict__[_AUTOCOMMIT_TWIN] = twin
    return twin


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _write_lock(session: AsyncSession) -> asyncio.Lock | None:
    """This process's queue of SQLite writers for the session's engine (None on PostgreSQL)."""
    bind = session.bind
    engine = getattr(bind, "sync_engine", None)
    if engine is None or engine.dialect.name != "sqlite":
        return None
    loop = asyncio.get_running_loop()
    known = _WRITE_LOCKS.get(engine)
    if known is None or known[0] is not loop:
        known = (loop, asyncio.Lock())
        _WRITE_LOCKS[engine] = known
    return known[1]


class QueuedWriteTransaction(AsyncSessionTransaction):
    """``async with session.begin()`` on SQLite: first in this process's queue of writers.

    Only as a context manager (where the release is certain); ``await
    session.begin()`` without one does not queue.
    """

    _queued: asyncio.Lock | None = None

    async def start(self, is_ctxmanager: bool = False) -> AsyncSessionTransaction:
        lock = _write_lock(self.session) if is_ctxmanager and not self.nested else None
        if lock is not None:
            try:
                async with asyncio.timeout(WRITE_LOCK_WAIT_SECONDS):
                    await lock.acquire()
            except TimeoutError:
                raise DatabaseBusyError(f"no turn to write within {WRITE_LOCK_WAIT_SECONDS} s") from None
            self._queued = lock
        try:
            return await super().start(is_ctxmanager)
        except BaseException:
            self._release()
            raise

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            await super().__aexit__(type_, value, traceback)
        finally:
            self._release()

    def _release(self) -> None:
        if self._queued is not None:
            self._queued.release()
            self._queued = None


class ForumAsyncSession(AsyncSession):
    """An ``AsyncSession`` whose ``begin()`` queues SQLite writers (``QueuedWriteTransaction``)."""

    def begin(self) -> AsyncSessionTransaction:
        return QueuedWriteTransaction(self)


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` says "busy, run the transaction again" (SQLite lock, PostgreSQL 40001/40P01)."""
    if not isinstance(error, DBAPIError):
        return False
    original: Any = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code in _POSTGRES_RETRYABLE:
        return True
    return says_sqlite_busy(original)


def says_sqlite_busy(error: BaseException) -> bool:
    """Whether a driver's error is SQLite's "the lock is taken" (any of its wordings)."""
    message = str(error).lower()
    return any(text in message for text in _SQLITE_BUSY)


def is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` is a connection the server dropped (restart, failover, idle cut).

    Why it is retried: the engine does not ping a connection at checkout (a round
    trip per checkout, ``storage.database``), so a dropped one fails its first
    statement; SQLAlchemy has by then invalidated the pool, and the next attempt
    gets a fresh connection. Nothing was committed on the dead one.
    """
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def pause_before(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: doubling from 20 ms, jittered ±50 %, capped."""
    base = min(MAX_PAUSE_SECONDS, FIRST_PAUSE_SECONDS * 2.0 ** (attempt - 1))
    jitter = (rng or random).random()
    return float(base * (0.5 + jitter))


async def write_transaction(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int = WRITE_ATTEMPTS,
    also_retry: tuple[type[Exception], ...] = (),
) -> T:
    """Run ``work`` in one write transaction; again while the database is busy, and once
    more at once when its connection turns out to have been dropped (``is_disconnect``).

    ``work`` must only write (and read what the writes need): it may run more
    than once, so it must not send anything or touch state outside the
    session. ``also_retry`` names other errors worth one more run (a unique
    key a concurrent twin inserted first: the next run reads what it wrote).
    """
    retryable: tuple[type[BaseException], ...] = (DBAPIError, *also_retry)
    for attempt in range(1, attempts + 1):
        try:
            async with sessions() as session, session.begin():
                return await work(session)
        except retryable as exc:
            busy = is_busy(exc)
            if not busy and is_disconnect(exc):
                if attempt > 1:
                    raise  # the fresh connection failed too: the database is away (the outage path)
                logger.info("write transaction retried on a fresh connection (the first one was dropped)")
                continue  # no pause: the dropped connection is gone, the pool hands out a new one
            if not busy and not isinstance(exc, also_retry):
                raise
            if attempt == attempts:
                if busy:
                    logger.warning("database still busy after %s attempts", attempts)
                    raise DatabaseBusyError(str(exc)) from exc
                raise
            logger.info("write transaction retried (attempt %s, busy=%s)", attempt, busy)
        await asyncio.sleep(pause_before(attempt))
    raise AssertionError("unreachable")
