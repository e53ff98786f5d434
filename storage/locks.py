"""PostgreSQL advisory locks: one replica at a time does a thing, the others skip it.

Why session locks on a connection of their own: the scheduler's tick runs several
transactions (one per job), so a transaction-level lock would not cover it. On
SQLite (one host, one process in practice) the lock is always granted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SCHEDULER_TICK_LOCK = 0x466F6F7254  # "FoorT": the scheduled-jobs tick, one replica at a time


@asynccontextmanager
async def advisory_lock(engine: AsyncEngine, key: int) -> AsyncIterator[bool]:
    """Yields True when this process holds the lock (until the block ends), False when another does."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as connection:
        got = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        await connection.commit()
        try:
            yield got
        finally:
            if got:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await connection.commit()
