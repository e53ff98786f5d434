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
TEST_DATABASE_PREFIX = "foorumibotti_test_"
# One database per test run: two runs at once (two engineers, CI beside a
# developer) would otherwise wipe each other's schema mid-test.
TEST_DATABASE = f"{TEST_DATABASE_PREFIX}{os.getpid()}"


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
            await _drop_databases_of_dead_runs(connection)
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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _drop_databases_of_dead_runs(connection: asyncpg.Connection) -> None:
    """Remove test databases left by runs that were killed before their clean-up."""
    names = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", TEST_DATABASE_PREFIX + "%")
    for (name,) in names:
        suffix = name.removeprefix(TEST_DATABASE_PREFIX)
        if suffix.isdigit() and int(suffix) != os.getpid() and not _pid_alive(int(suffix)):
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def drop_test_database() -> None:
    """Drop this run's database at the end of the session (only if we created it)."""
    if _PROBED.get(postgres_admin_url(), "unprobed") is not None:
        return
    connection = await asyncpg.connect(_dsn(postgres_admin_url()), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}" WITH (FORCE)')
    finally:
        await connection.close()
