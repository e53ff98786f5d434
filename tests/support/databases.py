"""Where the tests' databases live: a SQLite file, or the PostgreSQL server.

PostgreSQL comes from ``TEST_DATABASE_URL`` or the local server on
127.0.0.1:5432. Where none answers the PostgreSQL tests skip with the reason,
except in CI (``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import os

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TEST_DATABASE = "foorumibotti_test"


def postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)


def postgres_test_url() -> str:
    """The dedicated database the tests wipe and refill (never the admin one)."""
    return make_url(postgres_admin_url()).set(database=TEST_DATABASE).render_as_string(hide_password=False)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_PROBED: dict[str, str | None] = {}


async def postgres_unavailable_reason() -> str | None:
    """None when the server answers (creating the test database if needed); asked once."""
    url = postgres_admin_url()
    if url not in _PROBED:
        _PROBED[url] = await _probe_postgres()
    return _PROBED[url]


async def _probe_postgres() -> str | None:

    async def probe() -> None:
        connection = await asyncpg.connect(_dsn(postgres_admin_url()), timeout=3)
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", TEST_DATABASE)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
        finally:
            await connection.close()

    try:
        await probe()
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {make_url(postgres_admin_url()).render_as_string()} unreachable: {exc}"
    return None


async def reset_postgres_schema() -> None:
    connection = await asyncpg.connect(_dsn(postgres_test_url()), timeout=5)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
