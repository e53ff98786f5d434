"""What the database holds, table by table, to assert that refused input changed nothing."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Base

Snapshot = dict[str, list[tuple[Any, ...]]]

TURN_BOOKKEEPING = frozenset({"person", "participant", "bot_state", "inbound_activity", "replica_heartbeat"})
"""Tables every accepted turn may touch (who spoke, their language, the dialog state, the activity ids
seen), and the replica heartbeat that ticks beside any turn every 10 s."""


async def database_snapshot(sessions: async_sessionmaker[AsyncSession], *, skip: Collection[str] = ()) -> Snapshot:
    """Every row of every table (but ``skip``), in a stable order."""
    snapshot: Snapshot = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = (await session.execute(select(table))).all()
            snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


async def row_count(sessions: async_sessionmaker[AsyncSession], table: str) -> int:
    return len((await database_snapshot(sessions))[table])


async def fingerprint(sessions: async_sessionmaker[AsyncSession], tables: Collection[str] = ()) -> tuple[Any, ...]:
    """Row counts and the newest ``updated_at`` of ``tables`` (all when empty), in ONE statement:
    cheap enough to take before and after each of thousands of fuzz cases."""
    chosen = [table for table in Base.metadata.sorted_tables if not tables or table.name in tables]
    columns: list[Any] = [select(func.count()).select_from(table).scalar_subquery() for table in chosen]
    columns += [select(func.max(table.c.updated_at)).scalar_subquery() for table in chosen if "updated_at" in table.c]
    async with sessions() as session:
        return tuple((await session.execute(select(*columns))).one())
