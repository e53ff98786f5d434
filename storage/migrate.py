"""Apply and inspect Alembic migrations from inside the running bot."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.transactions import WRITE_OPTION

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = 0x466F6F72756D  # "Forum": one key for every replica of this bot


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there.

    On PostgreSQL under a transaction-level advisory lock, so concurrent starts never run
    the same migration twice (SQLite serialises writers by itself).
    """

    def _upgrade(connection: Connection) -> None:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    # A write: on SQLite it takes the write lock first (BEGIN IMMEDIATE), so two
    # processes starting at once migrate one after the other.
    async with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas (and the container's entrypoint) starting at once: one migrates, the
            # others wait here and then find the schema at head. Released at commit.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(_upgrade)
    logger.info("database schema at revision %s", head_revision())


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def stored_revision(engine: AsyncEngine) -> str | None:
    """The schema's revision as one plain SELECT of Alembic's version table.

    Why not ``current_revision``: that builds a ``MigrationContext``, which logs two INFO lines
    each time; a load balancer polls ``/readyz`` every few seconds, so readiness reads the row
    itself (one statement, no log). A database never migrated has no such table: ``None``
    (found out only when the SELECT failed, so the usual probe stays one statement).
    """
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    except (ProgrammingError, OperationalError):
        async with engine.connect() as connection:
            if await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
                raise
        return None
    return rows[0] if len(rows) == 1 else None
