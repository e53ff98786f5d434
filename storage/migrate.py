"""Apply and inspect Alembic migrations from inside the running bot.

Why Alembic is imported only when it has work: it (with Mako and its script
machinery) is about 11 MiB of every replica's memory, and at almost every start
the schema is already at head. The head is read from the revision files' own
``revision`` / ``down_revision`` lines and compared with the stored revision
(one SELECT); only a schema behind (or a history this reading does not
understand) loads Alembic.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.transactions import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = 0x466F6F72756D  # "Forum": one key for every replica of this bot


def _config() -> Config:
    from alembic.config import Config  # lazy: see the module's docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision of ``migrations/versions``: from the files alone when their history
    is one line, from Alembic otherwise (branches, merges, anything this reading cannot parse)."""
    head = _linear_head(MIGRATIONS / "versions")
    if head is not None:
        return head
    from alembic.script import ScriptDirectory  # lazy: see the module's docstring

    return ScriptDirectory.from_config(_config()).get_current_head()


def _linear_head(versions: Path) -> str | None:
    """The one revision no other file names as its ``down_revision``; None when that is not one
    plain string per file and exactly one head (Alembic then decides)."""
    parents: dict[str, str | None] = {}
    for path in sorted(versions.glob("*.py")):
        assigned = _module_strings(path, ("revision", "down_revision"))
        revision, down = assigned.get("revision", ...), assigned.get("down_revision", ...)
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)) or revision in parents:
            return None
        parents[revision] = down
    named = {down for down in parents.values() if down is not None}
    if not parents or not named <= parents.keys():
        return None
    heads = [revision for revision in parents if revision not in named]
    return heads[0] if len(heads) == 1 else None


def _module_strings(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """The literal values of the module-level assignments ``names`` in the file at ``path``."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                found[target.id] = ...  # not a literal: let Alembic read it
    return found


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there.

    On PostgreSQL under a transaction-level advisory lock, so concurrent starts never run
    the same migration twice (SQLite serialises writers by itself).
    """

    head = head_revision()
    if head is not None and await stored_revision(engine) == head:
        logger.info("database schema at revision %s", head)
        return

    def _upgrade(connection: Connection) -> None:
        from alembic import command  # lazy: see the module's docstring

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
    logger.info("database schema at revision %s", head)


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(connection: Connection) -> str | None:
        from alembic.runtime.migration import MigrationContext  # lazy: see the module's docstring

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
