"""Fixtures shared by every layer's tests.

``database_url`` is parametrized: every test that uses it runs on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import create_app
from bot.settings import Settings
from forum.delivery.quiet_hours import NEVER_QUIET
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade_to_head
from tests.support.activities import TEAM_ID, TEAM_NAME
from tests.support.databases import (
    drop_test_database,
    postgres_test_url,
    postgres_unavailable_reason,
    reset_postgres_schema,
)
from tests.support.fake_connector import FakeConnector

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    reason = await postgres_unavailable_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    await reset_postgres_schema()
    yield postgres_test_url()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    fake.teams[TEAM_ID] = {"id": TEAM_ID, "name": TEAM_NAME, "aadGroupId": "group-1"}
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.server = server
    yield fake
    await server.close()


@pytest.fixture
def settings_factory(database_url: str) -> Iterator[Any]:
    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "coordinators": ("kaisa@museovirasto.fi",),
            "dispatch_interval_seconds": 3600.0,
            "quiet_hours": NEVER_QUIET,  # the wall clock must not decide whether a test's message goes
            "card_update_delay_seconds": 0.0,  # each press updates the card at once (test_rsvp_burst waits)
        }
        values.update(overrides)
        return Settings(**values)

    yield build


@pytest.fixture
async def bot_client(settings_factory: Any) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_app(settings_factory())
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
def driver(bot_client: TestClient[Any, Any], connector: FakeConnector) -> Any:
    from tests.support.driver import Driver

    return Driver(bot_client, connector)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the e2e suite last: it is the slowest, and a fast failure elsewhere should show first."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this run's PostgreSQL test database (see tests/support/databases.py)."""
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    try:
        asyncio.run(drop_test_database())
    except (OSError, RuntimeError, asyncpg.PostgresError) as exc:
        session.config.get_terminal_writer().line(f"could not drop the test database: {exc}")
