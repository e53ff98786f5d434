"""Two replicas on one PostgreSQL database: a fan-out and an RSVP burst, every message once.

Both apps run their own pump, limiter and worker against the same database and the
same fake Teams; people's activities go to either. The tenant's budget is split by
the heartbeats, scheduled jobs run under an advisory lock, outbox rows are claimed
with ``FOR UPDATE SKIP LOCKED``, and an activity Teams delivers to both is handled once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import create_app
from bot.components import DATABASE
from bot.delivery.context import DELIVERY
from forum.delivery.intents import Intent, Reader, enqueue_intent
from forum.delivery.outbox import PersonTarget
from storage.locks import SCHEDULER_TICK_LOCK, advisory_lock
from storage.models import OutboxMessageRow
from tests.bot.meetings.helpers import future_day, meeting_row, outbox_rows, press, programme_text, rsvp_rows
from tests.bot.meetings.helpers import seed_programme as import_programme_text
from tests.support.activities import EVERYONE, KAISA, MATTI, TEAM_ID, channel_conversation, personal_message
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector
from tests.support.outbox import seed_person

pytestmark = [pytest.mark.faults]

PROMPTS = 60


async def prompt(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any]:
    return {"type": "message", "text": f"prompt for {reader.person_id}"}


async def test_two_replicas_share_a_fan_out_and_an_rsvp_burst_and_send_each_message_once(
    database_url: str, connector: FakeConnector, settings_factory: Any
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database")
    settings = settings_factory()
    first_app, second_app = create_app(settings), create_app(settings)
    async with (
        TestClient(TestServer(first_app, host="127.0.0.1")) as first,
        TestClient(TestServer(second_app, host="127.0.0.1")) as second,
    ):
        one, two = Driver(first, connector), Driver(second, connector)
        apps = (first_app, second_app)
        # Heartbeats: each replica paces at half the tenant's budget.
        assert [await app[DELIVERY].pump.replicas.beat() for app in apps] == [2, 2]
        assert {app[DELIVERY].worker.calls.limits.tenant_limit.rate for app in apps} == {20.0}
        # The scheduler's tick: one replica at a time.
        async with advisory_lock(first_app[DATABASE].engine, SCHEDULER_TICK_LOCK) as held:
            assert held
            async with advisory_lock(second_app[DATABASE].engine, SCHEDULER_TICK_LOCK) as also:
                assert not also

        # An RSVP burst: the announcement posted once, then everyone answers through either replica.
        await one.install()
        await import_programme_text(one, programme_text(future_day()))
        meeting = await meeting_row(one)
        await one.send(personal_message(one.service_url, KAISA, "ilmoita 1"))
        await press(two, KAISA, "meeting.post", {"meetingId": meeting.id})
        for app in apps:
            await app[DELIVERY].pump.settle()
        [post] = await outbox_rows(one, "meeting_announcement")
        assert post.status == "sent"
        connector.clear()
        channel = channel_conversation()
        answers = ("on_site", "online", "cannot", "on_site", "online")
        await asyncio.gather(
            *(
                press((one, two)[index % 2], user, "meeting.rsvp", {"meetingId": meeting.id, "answer": value},
                      conversation=channel)
                for index, (user, value) in enumerate(zip(EVERYONE, answers, strict=True))
            )
        )  # fmt: skip
        for app in apps:
            app[DELIVERY].kick()
            await app[DELIVERY].pump.settle()
        assert len(await rsvp_rows(one)) == len(EVERYONE)
        assert [r for r in connector.sent if r.conversation_id == TEAM_ID] == []  # answers post nothing new
        updates = [r for r in connector.updated if r.activity_id == post.activity_id and not r.faulted]
        assert 1 <= len(updates) <= len(EVERYONE)  # coalesced, never more than the answers
        updates_rows = await outbox_rows(one, "meeting_announcement_update")
        assert all(row.status in ("sent", "superseded", "merged") for row in updates_rows)

        # A fan-out: both replicas send, each prompt goes once.
        sessions = first_app[DATABASE].sessions
        for app in apps:
            app[DELIVERY].renderers.register("prompt", prompt)
        people = [await seed_person(sessions, f"r{i}", service_url=connector.url) for i in range(PROMPTS)]
        async with sessions() as session, session.begin():
            for person in people:
                await enqueue_intent(
                    session, key=f"replicas:{person}", purpose="prompt", target=PersonTarget(person), data={},
                    forum_id=None,
                )  # fmt: skip
        connector.latency = 0.02
        deadline = time.monotonic() + 60
        while True:
            for app in apps:
                app[DELIVERY].kick()
            await asyncio.gather(*(app[DELIVERY].pump.settle() for app in apps))
            async with sessions() as session:
                left = await session.scalar(
                    select(func.count()).where(
                        OutboxMessageRow.idempotency_key.like("replicas:%"), OutboxMessageRow.status != "sent"
                    )
                )
            if not left:
                break
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        prompts = Counter(r.text for r in connector.sent if not r.faulted and r.text.startswith("prompt"))
        assert set(prompts) == {f"prompt for {p}" for p in people} and set(prompts.values()) == {1}

        # Teams delivers one activity to both replicas at once: answered once.
        connector.clear()
        activity = personal_message(connector.url, MATTI, "apua")
        await asyncio.gather(one.send(activity), two.send(activity))
        assert len(connector.sent_to(f"a:personal-{MATTI.key}")) == 1
