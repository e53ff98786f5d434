"""The msrest hot spot: one connector client (and one retry policy) for many turns, same behaviour."""

from __future__ import annotations

from typing import Any

import pytest
from msrest.universal_http import requests as msrest_requests

from bot.components import BOT
from tests.support.activities import MATTI, personal_message
from tests.support.driver import Driver


async def test_many_turns_build_the_msrest_configuration_once(driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))  # clients for this service URL exist now
    built: list[Any] = []
    original = msrest_requests.ClientRetryPolicy.__init__

    def counting(self: Any) -> None:
        built.append(self)
        original(self)

    monkeypatch.setattr(msrest_requests.ClientRetryPolicy, "__init__", counting)
    driver.connector.clear()
    for _ in range(10):
        await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    assert built == []  # not one new retry policy in ten turns (the SDK alone builds two per turn)
    assert len(driver.connector.sent) == 10  # every reply went out through the cached client
    authentication = driver.client.server.app[BOT].adapter.authentication
    assert authentication.connectors.built == 1 and authentication.user_tokens.built == 1


async def test_a_cached_client_keeps_the_sdk_s_headers(driver: Driver) -> None:
    await driver.install()
    for _ in range(2):
        await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    agents = {request.headers.get("User-Agent", "") for request in driver.connector.requests[-2:]}
    assert len(agents) == 1 and "Microsoft-BotFramework/3.1" in agents.pop()
