"""What the database holds, table by table, to assert that refused input changed nothing."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Base

Snapshot = dict[str, list[tuple[Any, ...]]]

TURN_BOOKKEEPING = frozenset({"person", "participant", "bot_state"})
"""Tables every accepted turn may touch (who spoke, their language, the dialog state)."""


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
