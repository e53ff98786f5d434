"""The bot keeps what it learned across a restart; health and readiness answer truthfully."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, text

from app import create_app
from bot.components import BOT, DATABASE
from tests.support.activities import EVERYONE, KAISA, MATTI, TEAM_ID, personal_message
from tests.support.driver import Driver


async def test_after_restart_bot_knows_team_channel_members_and_coordinators(
    settings_factory: Any, connector: Any
) -> None:
    settings = settings_factory()
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as first:
        await Driver(first, connector).install()
        await Driver(first, connector).send(personal_message(connector.url, MATTI, "kieli en"))

    connector.clear()
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as second:
        roster = second.server.app[BOT].roster
        forum = await roster.forum_for_team(TEAM_ID)
        assert forum is not None and forum.active
        assert forum.channel_reference is not None
        assert forum.channel_reference["conversation"]["id"] == TEAM_ID
        participants = await roster.participants(forum.id)
        assert {p.person.name for p in participants} == {u.name for u in EVERYONE}
        coordinators = {p.person.name for p in participants if p.is_coordinator}
        assert coordinators == {KAISA.name}
        matti = next(p for p in participants if p.person.name == MATTI.name)
        assert matti.person.preferred_locale == "en"
        assert matti.person.personal_reference is not None
        # A second install after restart is not new: no second welcome.
        await Driver(second, connector).install()
        assert connector.sent_to(TEAM_ID) == []


async def test_healthz_and_readyz(bot_client: TestClient[Any, Any]) -> None:
    assert (await bot_client.get("/healthz")).status == 200
    response = await bot_client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"


async def test_readyz_reports_pending_migrations(bot_client: TestClient[Any, Any]) -> None:
    engine = bot_client.server.app[DATABASE].engine
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = await bot_client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["status"] == "migrations pending"


async def test_readyz_reports_unreachable_database(settings_factory: Any, tmp_path: Any) -> None:
    app = create_app(settings_factory())
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        from storage.database import create_engine

        real = app[DATABASE]
        broken = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        object.__setattr__(real, "engine", broken)
        try:
            response = await client.get("/readyz")
            assert response.status == 503
            assert (await response.json())["status"] == "database unreachable"
            assert (await client.get("/healthz")).status == 200
        finally:
            await broken.dispose()


async def test_readyz_is_one_statement_and_logs_only_changes_of_state(
    bot_client: TestClient[Any, Any], caplog: Any
) -> None:
    """A load balancer polls every few seconds: no Alembic lines, no line per probe."""
    engine = bot_client.server.app[DATABASE].engine
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    caplog.set_level(logging.DEBUG)
    try:
        for _ in range(5):
            assert (await bot_client.get("/readyz")).status == 200
        queries = [s for s in statements if not s.startswith("BEGIN")]  # SQLite's engine begins explicitly
        assert queries == ["SELECT version_num FROM alembic_version"] * 5
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        for _ in range(3):
            assert (await bot_client.get("/readyz")).status == 503
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert not [r for r in caplog.records if r.name.startswith("alembic")], "no Alembic context per probe"
    readiness = [r.getMessage() for r in caplog.records if r.name == "bot.health"]
    assert len(readiness) == 2, readiness
    assert readiness[0].startswith("readiness: ready (schema at ")
    assert readiness[1].startswith("readiness: migrations pending (at 0001, newest ")
