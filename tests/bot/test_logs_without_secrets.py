"""Logs without secrets: the calendar token, SQL parameters, untrusted strings.

(The fuzz suite scans its whole run's log for message text, names and e-mail addresses.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app import create_app
from bot.access_log import RedactingAccessLogger
from storage.models import PersonRow
from tests.bot.meetings.helpers import future_day, meeting_row, programme_text, seed_programme
from tests.support.driver import Driver

SECRET_NAME = "Salainen Sirkka"


async def test_the_calendar_route_logs_no_token(
    settings_factory: Any, connector: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings_factory())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log_class=RedactingAccessLogger)  # as app.main serves
    async with TestClient(server) as client:
        driver = Driver(client, connector)
        await driver.install()
        await seed_programme(driver, programme_text(future_day()))
        row = await meeting_row(driver)
        with caplog.at_level(logging.INFO):
            good = await client.get(f"/calendar/{row.calendar_token}/meeting-1.ics")
            wrong = await client.get("/calendar/NOTTHETOKEN_0123456789/meeting-1.ics")
            odd = await client.get("/calendar/NOTTHETOKEN_0123456789/meeting-².ics")
            for _ in range(50):  # the access line is written once the response has gone
                if sum(record.name == "aiohttp.access" for record in caplog.records) >= 3:
                    break
                await asyncio.sleep(0.02)
    assert (good.status, wrong.status, odd.status) == (200, 404, 404)
    access = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert len(access) == 3 and all("/calendar/…/" in line for line in access)
    assert not any(row.calendar_token in line or "NOTTHETOKEN" in line for line in caplog.messages)


async def test_sql_parameters_never_reach_the_log(engine: AsyncEngine) -> None:
    row = {"teams_user_id": "29:secret", "name": SECRET_NAME, "email": "sirkka@example.fi"}
    async with engine.begin() as connection:
        await connection.execute(insert(PersonRow), row)
    with pytest.raises(DBAPIError) as duplicate:
        async with engine.begin() as connection:
            await connection.execute(insert(PersonRow), row)
    message = str(duplicate.value)
    assert SECRET_NAME not in message and "sirkka@example.fi" not in message
    assert "hidden" in message
