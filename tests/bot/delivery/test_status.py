"""The outbox inside the running bot: kick after enqueue, and the coordinators' ``status``."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.components import DATABASE
from bot.delivery.context import DELIVERY
from forum.delivery.outbox import ChannelTarget, PersonTarget, enqueue_message
from storage.models import ForumRow, PersonRow
from tests.support.activities import KAISA, MATTI, TEAM_ID, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def _enqueue(app: Any, key: str, *, to_person: str | None = None) -> None:
    async with app[DATABASE].sessions() as session, session.begin():
        forum = await session.scalar(select(ForumRow).where(ForumRow.team_id == TEAM_ID))
        assert forum is not None
        target: ChannelTarget | PersonTarget = ChannelTarget(forum.id)
        if to_person is not None:
            person = await session.scalar(select(PersonRow).where(PersonRow.teams_user_id == to_person))
            assert person is not None
            target = PersonTarget(person.id)
        await enqueue_message(
            session,
            key=key,
            purpose="meeting_reminder",
            forum_id=forum.id,
            target=target,
            activity={"type": "message", "text": key},
        )


async def test_a_kick_sends_right_away_not_at_the_next_tick(driver: Driver, bot_client: Any) -> None:
    await driver.install()
    app = bot_client.server.app
    await _enqueue(app, "announce:now")
    app[DELIVERY].kick()
    app[DELIVERY].kick()  # a second kick while the first runs: still one message
    await app[DELIVERY].pump.settle()
    assert [r.text for r in driver.connector.sent_to(TEAM_ID)][-1] == "announce:now"
    assert sum(r.text == "announce:now" for r in driver.connector.sent) == 1


async def test_status_shows_counts_and_who_was_not_reached(driver: Driver, bot_client: Any) -> None:
    await driver.install()
    app = bot_client.server.app
    await _enqueue(app, "announce:1")
    await _enqueue(app, "reminder:matti", to_person=MATTI.id)  # Matti has no 1:1 yet: opened by the worker
    driver.connector.fail(403, method="POST", path_contains="a:personal")  # he has blocked the bot
    await app[DELIVERY].worker.drain()

    await driver.send(personal_message(driver.service_url, KAISA, "tila"))
    text = all_text(driver.connector.sent[-1].cards[0])
    assert "Viestien toimitus" in text
    assert "Matti Museolainen" in text and "Muistutus tapaamisesta" in text and "Ei tavoitettu" in text
    assert "403" in text

    await driver.send(personal_message(driver.service_url, KAISA, "status", locale="en-US"))
    assert "Undeliverable" in all_text(driver.connector.sent[-1].cards[0])


async def test_status_is_for_coordinators_only(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "tila"))
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text


async def test_status_with_nothing_sent_yet(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, KAISA, "tila"))
    assert "ei ole vielä lähetetty" in all_text(driver.connector.sent[-1].cards[0])


async def test_the_pump_ticks_on_its_interval(settings_factory: Any, connector: Any) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from app import create_app

    client = TestClient(TestServer(create_app(settings_factory(dispatch_interval_seconds=0.05)), host="127.0.0.1"))
    await client.start_server()
    try:
        driver = Driver(client, connector)
        await driver.install()
        await _enqueue(client.server.app, "tick:1")
        for _ in range(200):  # an upper bound, not a timing assertion
            if any(r.text == "tick:1" for r in connector.sent):
                break
            await asyncio.sleep(0.02)
        assert sum(r.text == "tick:1" for r in connector.sent) == 1
    finally:
        await client.close()
