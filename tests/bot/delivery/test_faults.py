"""Fault injection: random transient faults over a fan-out lose nothing and send nothing twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import Intent, Reader, RendererRegistry, enqueue_intent
from forum.delivery.outbox import PersonTarget
from forum.delivery.outbox_delivery import OutboxDelivery
from storage.models import OutboxMessageRow
from tests.support.fake_connector import FakeConnector
from tests.support.outbox import VirtualClock, drain_until_settled, make_worker, seed_forum, seed_person

pytestmark = pytest.mark.faults

Sessions = async_sessionmaker[AsyncSession]
RECIPIENTS = 200


async def prompt(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any]:
    return {"type": "message", "text": f"prompt for {reader.person_id}"}


async def test_thirty_percent_random_faults_over_200_recipients_deliver_each_once(
    sessions: Sessions, connector: FakeConnector
) -> None:
    clock = VirtualClock()
    forum_id = await seed_forum(sessions, connector.url)
    people = [
        await seed_person(sessions, f"p{index}", service_url=connector.url, with_chat=index % 2 == 0)
        for index in range(RECIPIENTS)
    ]  # half have a 1:1 with the bot, half were never contacted
    async with sessions() as session, session.begin():
        for person in people:
            await enqueue_intent(
                session,
                key=f"round:1:person:{person}",
                purpose="prompt",
                target=PersonTarget(person),
                data={"round": 1},
                forum_id=forum_id,
                now=clock.now,
            )
    registry = RendererRegistry()
    registry.register("prompt", prompt)
    connector.fail_randomly(0.3)
    worker = make_worker(sessions, clock, delivery=OutboxDelivery(sessions, registry))

    await drain_until_settled(worker, sessions, clock, rounds=200)

    async with sessions() as session:
        statuses = dict((await session.execute(select(OutboxMessageRow.status, func.count()).group_by("status"))).all())
    assert statuses == {"sent": RECIPIENTS}  # 0 lost
    accepted = Counter(r.text for r in connector.sent if not r.faulted)
    assert len(accepted) == RECIPIENTS and set(accepted.values()) == {1}  # each delivered once
    created = [r for r in connector.created_conversations if not r.faulted]
    assert len(created) == RECIPIENTS // 2  # a 1:1 created once per never-contacted person, then reused
    assert sum(r.faulted for r in connector.requests) > 0.2 * len(connector.requests)
