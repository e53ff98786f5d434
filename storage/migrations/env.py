"""Alembic environment: runs on a connection handed in by the bot, or on its own.

The bot migrates at start inside its own event loop and passes a sync
connection through ``config.attributes["connection"]``; by hand
(``alembic upgrade head``) this file opens its own async engine from
``DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from storage.database import create_engine
from storage.models import Base

DEFAULT_URL = "sqlite+aiosqlite:///data/foorumibotti.db"
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    engine = create_engine(os.environ.get("DATABASE_URL", DEFAULT_URL))
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    asyncio.run(_run_standalone())
