"""SQLite statements run on the loop; another process's lock and a writing COMMIT wait in a thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import inline_sqlite
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade_to_head
from storage.models import ForumRow
from storage.transactions import write_transaction


@pytest.fixture
async def file_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    await upgrade_to_head(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def file_sessions(file_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(file_engine)


async def _driver_connection(engine: AsyncEngine) -> Any:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return raw.driver_connection


async def test_a_file_database_runs_inline_and_memory_keeps_aiosqlite(file_engine: AsyncEngine) -> None:
    assert isinstance(await _driver_connection(file_engine), inline_sqlite.InlineConnection)
    memory = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        assert not isinstance(await _driver_connection(memory), inline_sqlite.InlineConnection)
    finally:
        await memory.dispose()
    async with file_engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 0
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert str((await connection.execute(text("PRAGMA journal_mode"))).scalar()).lower() == "wal"


async def test_writes_reads_and_rollbacks_behave_as_before(file_sessions: async_sessionmaker[AsyncSession]) -> None:
    async def add(session: AsyncSession) -> None:
        session.add_all([ForumRow(team_id="team-a"), ForumRow(team_id="team-b")])  # executemany-able

    await write_transaction(file_sessions, add)
    with pytest.raises(RuntimeError):
        async with file_sessions() as session, session.begin():
            session.add(ForumRow(team_id="team-rolled-back"))
            await session.flush()
            raise RuntimeError("no")
    async with file_sessions() as session:
        assert sorted((await session.scalars(select(ForumRow.team_id))).all()) == ["team-a", "team-b"]


async def test_only_a_commit_that_wrote_goes_to_a_thread(
    file_sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    threaded: list[str] = []
    original = inline_sqlite._in_thread

    async def recording(function: Any, *args: Any) -> Any:
        threaded.append(getattr(function, "__name__", repr(function)))
        return await original(function, *args)

    monkeypatch.setattr(inline_sqlite, "_in_thread", recording)
    async with file_sessions() as session:
        await session.scalars(select(ForumRow))  # a read: its BEGIN, SELECT and end all inline
    assert threaded == []

    async def add(session: AsyncSession) -> None:
        session.add(ForumRow(team_id="team-c"))

    await write_transaction(file_sessions, add)
    assert threaded == ["commit"]


async def test_another_process_s_lock_is_waited_for_in_a_thread_while_the_loop_runs(
    tmp_path: Path,
    file_engine: AsyncEngine,
    file_sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waited: list[str] = []
    original = inline_sqlite.InlineConnection._patiently

    def patiently(self: inline_sqlite.InlineConnection, call: Any, *args: Any) -> Any:
        waited.append(str(args[0]) if args else "")
        return original(self, call, *args)

    monkeypatch.setattr(inline_sqlite.InlineConnection, "_patiently", patiently)
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE cli_scratch (x INTEGER)")
    other.execute("BEGIN IMMEDIATE")  # as the CLI would, from another process
    other.execute("INSERT INTO cli_scratch VALUES (1)")
    released = threading.Timer(0.4, other.execute, args=("COMMIT",))
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def add(session: AsyncSession) -> None:
        session.add(ForumRow(team_id="team-bot"))

    ticker = asyncio.create_task(ticking())
    released.start()
    try:
        await write_transaction(file_sessions, add)
    finally:
        ticker.cancel()
        released.join()
        other.close()
    assert waited == ["BEGIN IMMEDIATE"]  # it waited for the lock once, in a thread, with the busy timeout
    assert ticks >= 20  # and the loop was not blocked meanwhile
    async with file_sessions() as session:
        assert (await session.scalars(select(ForumRow.team_id))).all() == ["team-bot"]
        assert (await session.execute(text("SELECT count(*) FROM cli_scratch"))).scalar() == 1
