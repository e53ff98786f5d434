"""Write transactions: reads never take SQLite's write lock, a busy database is retried, then refused."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import transactions
from storage.database import create_engine, create_session_factory
from storage.models import ForumRow
from storage.transactions import DatabaseBusyError, is_busy, pause_before, write_transaction


def locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


class Flaky:
    """Work that meets a busy database ``failures`` times, then writes."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.runs = 0

    async def __call__(self, session: AsyncSession) -> str:
        self.runs += 1
        if self.runs <= self.failures:
            raise locked()
        session.add(ForumRow(team_id=f"team-{self.runs}"))
        return "written"


@pytest.fixture
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transactions, "FIRST_PAUSE_SECONDS", 0.0)


@pytest.mark.usefixtures("no_pauses")
async def test_a_busy_database_is_retried_until_the_write_goes_through(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    work = Flaky(failures=3)
    assert await write_transaction(sessions, work) == "written"
    assert work.runs == 4
    async with sessions() as session:
        assert (await session.scalars(select(ForumRow.team_id))).all() == ["team-4"]


@pytest.mark.usefixtures("no_pauses")
async def test_still_busy_after_every_attempt_is_refused_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    work = Flaky(failures=100)
    with pytest.raises(DatabaseBusyError):
        await write_transaction(sessions, work, attempts=4)
    assert work.runs == 4
    async with sessions() as session:
        assert (await session.scalars(select(ForumRow))).all() == []


@pytest.mark.usefixtures("no_pauses")
async def test_other_errors_are_not_retried(sessions: async_sessionmaker[AsyncSession]) -> None:
    runs = 0

    async def broken(_session: AsyncSession) -> None:
        nonlocal runs
        runs += 1
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nowhere"))

    with pytest.raises(OperationalError):
        await write_transaction(sessions, broken)
    assert runs == 1


def test_busy_is_sqlite_s_lock_and_postgresql_s_serialization_failure_or_deadlock() -> None:
    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    assert is_busy(locked())
    assert is_busy(OperationalError("UPDATE", {}, PgError("40001")))
    assert is_busy(OperationalError("UPDATE", {}, PgError("40P01")))
    assert not is_busy(OperationalError("UPDATE", {}, PgError("23505")))
    assert not is_busy(ValueError("database is locked"))


def test_pauses_double_with_jitter_and_stay_short() -> None:
    import random

    rng = random.Random(1)
    pauses = [pause_before(attempt, rng) for attempt in range(1, 10)]
    assert all(0 < p <= transactions.MAX_PAUSE_SECONDS * 1.5 for p in pauses)
    assert pauses[0] < 0.05 and max(pauses) > 0.2


async def test_on_sqlite_reads_are_deferred_and_only_begin_takes_the_write_lock(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transaction kinds")
    begins: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
        async with sessions() as session, session.begin():
            session.add(ForumRow(team_id="team-x"))
        await write_transaction(sessions, Flaky(failures=0))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]


async def test_a_connection_the_server_dropped_is_retried_on_a_fresh_one(
    database_url: str, engine: AsyncEngine
) -> None:
    """No ``pool_pre_ping`` (``storage.database``): the dead connection fails once, the write still goes."""
    if not database_url.startswith("postgresql"):
        pytest.skip("only a database server drops connections")
    pooled = create_engine(database_url)  # a pool of its own: the one connection below is all it has
    try:
        sessions = create_session_factory(pooled)
        async with sessions() as session:
            backend = await session.scalar(text("SELECT pg_backend_pid()"))
        async with engine.connect() as admin:  # the server ends that connection while it idles in the pool
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}) is True

        async def write(session: AsyncSession) -> str:
            session.add(ForumRow(team_id="after-the-drop"))
            return "written"

        assert await write_transaction(sessions, write) == "written"
        async with sessions() as session:
            assert (await session.scalars(select(ForumRow.team_id))).all() == ["after-the-drop"]
            assert await session.scalar(text("SELECT pg_backend_pid()")) != backend
    finally:
        await pooled.dispose()


async def test_on_postgresql_a_read_runs_without_a_transaction_and_a_write_in_one(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's reads are deferred transactions (BEGIN costs no round trip there)")

    async def in_transaction(session: AsyncSession) -> bool:
        raw = await (await session.connection()).get_raw_connection()
        return bool(raw.driver_connection.is_in_transaction())

    async with sessions() as session:
        await session.scalars(select(ForumRow))
        assert not await in_transaction(session)  # no BEGIN, no ROLLBACK: one round trip
    async with sessions() as session, session.begin():
        session.add(ForumRow(team_id="team-w"))
        await session.flush()
        assert await in_transaction(session)
    async with sessions() as session:
        async with session.begin():
            await session.scalars(select(ForumRow))
        await session.scalars(select(ForumRow))  # after the write, the same session reads again
        assert not await in_transaction(session)
        assert (await session.scalars(select(ForumRow.team_id))).all() == ["team-w"]
