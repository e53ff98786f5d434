"""Two processes migrating one empty database at once (two replicas, or the entrypoint and a
second container): both end at head, neither fails on a table the other just created.

Without the advisory lock this hangs on PostgreSQL (each waits on the other's half-made
schema), hence the bound: a regression fails here instead of stalling the suite."""

from __future__ import annotations

import asyncio

from storage.database import create_engine
from storage.migrate import current_revision, head_revision, stored_revision, upgrade_to_head

MIGRATION_BOUND_SECONDS = 60


async def test_concurrent_migrations_take_turns(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(upgrade_to_head(engine) for engine in engines)), MIGRATION_BOUND_SECONDS
        )
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_stored_revision_reads_the_version_row_and_none_before_any_migration(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await stored_revision(engine) is None, "an empty database has no version table"
        await upgrade_to_head(engine)
        assert await stored_revision(engine) == head_revision()
    finally:
        await engine.dispose()
