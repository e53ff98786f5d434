"""A forum as the fuzz and permission tests need it: installed with everyone on its roster,
a programme with meeting 1, each role greeted once (so each is a known person), and its own
tenant the only one served (``ALLOWED_TENANTS``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from bot.delivery.context import DELIVERY
from tests.bot.meetings.helpers import future_day, programme_text, seed_programme
from tests.support.activities import EVERYONE, KAISA, LIISA, MATTI, TENANT_ID, personal_message
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector
from tests.support.fuzz import OUTSIDER


@pytest.fixture
async def guarded_forum(settings_factory: Any, connector: FakeConnector) -> AsyncIterator[Driver]:
    app = create_app(settings_factory(allowed_tenants=(TENANT_ID,)))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        driver = Driver(client, connector)
        await driver.install(members=EVERYONE)
        await seed_programme(driver, programme_text(future_day(), host_members=(LIISA,)))
        for user in (KAISA, MATTI, LIISA, OUTSIDER):
            await driver.send(personal_message(driver.service_url, user, "apua"))
        await app[DELIVERY].pump.settle()
        yield driver
        await app[DELIVERY].pump.settle()
