"""Known SDK noise is silenced exactly: a channel conversationUpdate no longer makes msrest warn
that Teams' ``eventType`` / ``source`` are unknown attributes of ``TeamsChannelData``, and any
other msrest warning still reaches the log."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.test_utils import TestClient

from bot.logging_setup import MSREST_SERIALIZATION_LOGGER, KnownSdkNoise
from tests.support.activities import KAISA, members_added
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector


async def test_a_channel_conversation_update_logs_no_msrest_warnings(
    bot_client: TestClient[Any, Any], connector: FakeConnector, caplog: Any
) -> None:
    driver = Driver(bot_client, connector)
    await driver.install()
    caplog.set_level(logging.WARNING)
    activity = members_added(connector.url, KAISA, (KAISA,))
    activity["channelData"]["source"] = {"name": "message"}
    await driver.send(activity)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("msrest")] == []


def test_the_filter_drops_only_those_two_attributes_of_teams_channel_data() -> None:
    class TeamsChannelData:  # the name is what the filter matches, as msrest logs the class
        pass

    class TeamInfo:
        pass

    def record(*args: Any) -> logging.LogRecord:
        return logging.LogRecord(
            MSREST_SERIALIZATION_LOGGER, logging.WARNING, __file__, 1, KnownSdkNoise.MESSAGE, args, None
        )

    noise = KnownSdkNoise()
    assert not noise.filter(record("eventType", TeamsChannelData))
    assert not noise.filter(record("source", TeamsChannelData))
    assert noise.filter(record("onBehalfOf", TeamsChannelData))
    assert noise.filter(record("eventType", TeamInfo))
    other = logging.LogRecord(MSREST_SERIALIZATION_LOGGER, logging.WARNING, __file__, 1, "Readonly %s", ("x",), None)
    assert noise.filter(other)
