"""PostgreSQL unreachable for ten seconds during traffic (a loopback TCP proxy the test cuts).

A person's turn that cannot be saved is told so in their language, nothing is posted
into the channel, ``/readyz`` says not ready, and the fan-out that was going out when
the database went away completes after it is back: every prompt once, none lost.
Inbound activities delivered twice are handled once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app import create_app
from bot.components import DATABASE
from bot.delivery.context import DELIVERY
from forum.delivery.intents import Intent, Reader, enqueue_intent
from forum.delivery.outbox import PersonTarget
from forum.i18n import tr
from storage.models import OutboxMessageRow
from tests.support.activities import ERIK, MATTI, TEAM_ID, channel_message, personal_message
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector
from tests.support.outbox import seed_person
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 10.0
PROMPTS = 40


async def prompt(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any]:
    return {"type": "message", "text": f"prompt for {reader.person_id}"}


async def until(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_ten_seconds_without_the_database_lose_nothing_and_say_so(
    database_url: str, connector: FakeConnector, settings_factory: Any
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("an outage needs a database server behind a network path")
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    settings = settings_factory(database_url=url.set(host="127.0.0.1", port=port).render_as_string(False))
    app = create_app(settings)
    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            driver = Driver(client, connector)
            await driver.install()
            sessions = app[DATABASE].sessions
            delivery = app[DELIVERY]
            delivery.renderers.register("prompt", prompt)
            people = [await seed_person(sessions, f"o{i}", service_url=connector.url) for i in range(PROMPTS)]
            async with sessions() as session, session.begin():
                forum_id = None
                for person in people:
                    await enqueue_intent(
                        session,
                        key=f"outage:{person}",
                        purpose="prompt",
                        target=PersonTarget(person),
                        data={},
                        forum_id=forum_id,
                    )
            connector.clear()
            connector.latency = 0.05

            def accepted() -> Counter[str]:
                return Counter(r.text for r in connector.sent if not r.faulted and r.text.startswith("prompt"))

            delivery.kick()  # the fan-out is going out ...

            async def some_went() -> bool:
                return len(accepted()) >= 5

            await until(some_went, 20)
            proxy.cut()  # ... when the database goes away
            cut_at = time.monotonic()

            status, _ = await driver.post(personal_message(connector.url, ERIK, "hjälp", locale="sv-SE"))
            assert status in (200, 201)
            replies = [r.text for r in connector.sent_to(f"a:personal-{ERIK.key}")]
            assert replies == [tr("sv", "error.database")]
            status, _ = await driver.post(channel_message(connector.url, MATTI, "tapaamiset"))
            assert status in (200, 201)
            assert [r for r in connector.sent if r.conversation_id and r.conversation_id.startswith(TEAM_ID)] == []
            assert (await client.get("/readyz")).status == 503

            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
            delivery.kick()  # a tick during the outage: claims fail quietly
            proxy.restore()

            async def ready() -> bool:
                return (await client.get("/readyz")).status == 200

            await until(ready, 20)

            async def all_sent() -> bool:
                delivery.kick()
                await delivery.pump.settle()
                async with sessions() as session:
                    left = await session.scalar(
                        select(func.count()).where(
                            OutboxMessageRow.idempotency_key.like("outage:%"), OutboxMessageRow.status != "sent"
                        )
                    )
                return left == 0

            await until(all_sent, 60)  # pending rows go out after recovery (a lease ends in 2 min at most)
            counts = accepted()
            assert set(counts) == {f"prompt for {p}" for p in people}  # nothing lost
            assert set(counts.values()) == {1}  # sent during the outage, written after: never sent again

            # Teams delivers an activity twice: handled once.
            again = personal_message(connector.url, MATTI, "apua")
            connector.clear()
            await driver.send(again)
            await driver.send(again)
            assert len(connector.sent_to(f"a:personal-{MATTI.key}")) == 1
    finally:
        await proxy.close()
