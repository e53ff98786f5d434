"""The outbox worker against the fake Bot Connector: faults, updates, crashes, concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.worker import WorkerConfig
from forum.delivery.outbox import ChannelTarget, PersonTarget, enqueue_message, enqueue_update, sent_activity
from forum.delivery.outbox_delivery import OutboxDelivery, Outcome, Sent
from tests.support.activities import TEAM_ID
from tests.support.fake_connector import FakeConnector
from tests.support.outbox import (
    VirtualClock,
    delivered,
    drain_until_settled,
    make_worker,
    person_row,
    row,
    seed_forum,
    seed_person,
)

Sessions = async_sessionmaker[AsyncSession]


def text(value: str) -> dict[str, Any]:
    return {"type": "message", "text": value}


def adaptive(version: int) -> dict[str, Any]:
    content = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": f"v{version}"}]}
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": content}],
    }


async def post_to_channel(
    sessions: Sessions, forum_id: int, key: str, activity: dict[str, Any], clock: VirtualClock
) -> None:
    async with sessions() as session, session.begin():
        await enqueue_message(
            session,
            key=key,
            purpose="announce",
            forum_id=forum_id,
            target=ChannelTarget(forum_id),
            activity=activity,
            now=clock.now,
        )


async def write_to(sessions: Sessions, forum_id: int, person_id: int, key: str, clock: VirtualClock) -> None:
    async with sessions() as session, session.begin():
        await enqueue_message(
            session,
            key=key,
            purpose="reminder",
            forum_id=forum_id,
            target=PersonTarget(person_id),
            activity=text(key),
            now=clock.now,
        )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


async def test_429_storm_with_retry_after_delivers_exactly_one_message(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("Tapaaminen 5"), clock)
    connector.fail(429, times=3, retry_after=4)
    worker = make_worker(sessions, clock)

    waits = await drain_until_settled(worker, sessions, clock)

    assert connector.faults[0].times == 0
    assert delivered(connector, injected_faults=3) == 1
    assert [r.text for r in connector.sent] == ["Tapaaminen 5"] * 4
    assert len(waits) == 3 and all(wait >= 4 for wait in waits)  # Retry-After honoured every time
    sent = await row(sessions, "announce:1")
    assert sent.status == "sent" and sent.attempts == 4 and sent.last_status_code == 200
    assert sent.activity_id and sent.conversation_id == TEAM_ID and sent.sent_at is not None
    async with sessions() as session:
        assert await sent_activity(session, "announce:1") == (TEAM_ID, sent.activity_id)


async def test_5xx_storm_is_retried_with_backoff_then_delivered(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    connector.fail(500, times=2)
    connector.fail(502, times=1)
    connector.fail(503, times=1)
    connector.fail(504, times=1)
    connector.fail(412, times=1)
    worker = make_worker(sessions, clock)

    waits = await drain_until_settled(worker, sessions, clock)

    assert delivered(connector, injected_faults=6) == 1
    assert waits == sorted(waits) and waits[-1] > waits[0]  # exponential
    assert (await row(sessions, "announce:1")).status == "sent"


async def test_a_long_transient_outage_is_ridden_out_with_capped_waits(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    connector.fail(503, times=25)  # far more than the old ten attempts, an hour or so of faults
    worker = make_worker(sessions, clock)

    waits = await drain_until_settled(worker, sessions, clock, rounds=40)

    sent = await row(sessions, "announce:1")
    assert sent.status == "sent" and sent.attempts == 26 and delivered(connector, injected_faults=25) == 1
    assert max(waits) <= 180  # a few minutes at most between tries
    assert worker.stats.failed == 0


async def test_transient_faults_end_only_at_the_purposes_time_limit(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    connector.fail(503, times=1000)
    config = WorkerConfig(time_limit=timedelta(hours=6), time_limits={"announce": timedelta(minutes=30)})
    worker = make_worker(sessions, clock, config=config)
    started = clock.now

    await drain_until_settled(worker, sessions, clock, rounds=60)

    failed = await row(sessions, "announce:1")
    assert failed.status == "failed" and failed.last_status_code == 503 and worker.stats.failed == 1
    assert timedelta(minutes=30) <= clock.now - started < timedelta(minutes=35)


async def test_a_chat_opened_before_the_post_failed_is_kept_and_not_opened_again(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    anna = await seed_person(sessions, "anna", with_chat=False)
    await write_to(sessions, forum_id, anna, "reminder:1", clock)
    connector.fail(503, times=3, method="POST", path_contains="/activities")  # the post, not the create

    await drain_until_settled(make_worker(sessions, clock), sessions, clock)

    assert len(connector.created_conversations) == 1  # created once, on the first try
    reference = (await person_row(sessions, anna)).personal_reference
    assert reference is not None
    assert [r.conversation_id for r in connector.sent] == [reference["conversation"]["id"]] * 4
    assert (await row(sessions, "reminder:1")).status == "sent"


@pytest.mark.parametrize("status", [403, 404])
async def test_forbidden_or_not_found_is_undeliverable_at_once(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock, status: int
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    matti = await seed_person(sessions, "matti", service_url=connector.url)
    await write_to(sessions, forum_id, matti, "reminder:matti", clock)
    connector.fail(status)
    worker = make_worker(sessions, clock)

    await drain_until_settled(worker, sessions, clock)

    gone = await row(sessions, "reminder:matti")
    assert gone.status == "undeliverable" and gone.last_status_code == status and gone.attempts == 1
    assert len(connector.sent) == 1


async def test_a_bad_request_is_failed_without_retries(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    connector.fail(400)
    await drain_until_settled(make_worker(sessions, clock), sessions, clock)
    assert (await row(sessions, "announce:1")).status == "failed" and len(connector.sent) == 1


async def test_update_replaces_the_posted_card_and_never_posts_a_second(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "card", adaptive(1), clock)
    worker = make_worker(sessions, clock)
    await drain_until_settled(worker, sessions, clock)
    posted = await row(sessions, "card")
    async with sessions() as session, session.begin():
        for version in (2, 3, 4):  # three edits before the worker gets to them: only the newest matters
            await enqueue_update(
                session,
                key=f"card:v{version}",
                purpose="announce",
                forum_id=forum_id,
                target_key="card",
                activity=adaptive(version),
            )
    # No Retry-After here: with one, the SDK's own HTTP retry (urllib3, for PUT only)
    # would sleep through it in real time before our worker ever saw the 429.
    connector.fail(429, times=1, method="PUT")

    await drain_until_settled(worker, sessions, clock)

    assert len(connector.sent) == 1  # the one POST of the card
    assert len(connector.updated) == 2  # one throttled PUT, then the same PUT again
    final = connector.updated[-1]
    assert final.path == f"/v3/conversations/{TEAM_ID}/activities/{posted.activity_id}"
    assert final.cards[0]["body"][0]["text"] == "v4"
    assert [(await row(sessions, f"card:v{v}")).status for v in (2, 3, 4)] == ["superseded", "superseded", "sent"]


async def test_update_before_the_send_went_out_posts_the_newest_card_once(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "card", adaptive(1), clock)
    async with sessions() as session, session.begin():
        await enqueue_update(
            session, key="card:v2", purpose="announce", forum_id=forum_id, target_key="card", activity=adaptive(2)
        )
    await drain_until_settled(make_worker(sessions, clock), sessions, clock)
    assert len(connector.sent) == 1 and connector.updated == []
    assert connector.sent[0].cards[0]["body"][0]["text"] == "v2"


async def test_update_of_an_undeliverable_card_fails_without_a_call(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "card", adaptive(1), clock)
    connector.fail(403)
    worker = make_worker(sessions, clock)
    await drain_until_settled(worker, sessions, clock)
    async with sessions() as session, session.begin():
        update = await enqueue_update(
            session, key="card:v2", purpose="announce", forum_id=forum_id, target_key="card", activity=adaptive(2)
        )
    await drain_until_settled(worker, sessions, clock)
    assert update.status == "failed" and connector.updated == [] and len(connector.sent) == 1


async def test_first_message_to_someone_without_a_chat_opens_one_and_keeps_it(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    anna = await seed_person(sessions, "anna", with_chat=False)
    await write_to(sessions, forum_id, anna, "reminder:1", clock)
    worker = make_worker(sessions, clock)
    await drain_until_settled(worker, sessions, clock)

    assert len(connector.created_conversations) == 1
    created = connector.created_conversations[0].body
    assert created["members"][0]["id"] == "29:anna" and created["channelData"]["tenant"]["id"]
    reference = (await person_row(sessions, anna)).personal_reference
    assert reference is not None and reference["user"]["id"] == "29:anna"
    conversation_id = reference["conversation"]["id"]
    assert [r.conversation_id for r in connector.sent] == [conversation_id]

    await write_to(sessions, forum_id, anna, "reminder:2", clock)
    await drain_until_settled(worker, sessions, clock)
    assert len(connector.created_conversations) == 1  # the kept chat is used
    assert [r.conversation_id for r in connector.sent] == [conversation_id, conversation_id]


async def test_several_messages_to_someone_new_open_one_chat(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    erik = await seed_person(sessions, "erik", with_chat=False)
    for index in range(3):
        await write_to(sessions, forum_id, erik, f"reminder:{index}", clock)
    await drain_until_settled(make_worker(sessions, clock), sessions, clock)
    assert len(connector.created_conversations) == 1
    assert len({r.conversation_id for r in connector.sent}) == 1 and len(connector.sent) == 3


async def test_proactive_posts_are_new_messages_not_replies(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    matti = await seed_person(sessions, "matti", service_url=connector.url)  # reference names a user's message
    await write_to(sessions, forum_id, matti, "reminder:1", clock)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    await drain_until_settled(make_worker(sessions, clock), sessions, clock)
    assert sorted(r.path for r in connector.sent) == sorted(
        [f"/v3/conversations/{TEAM_ID}/activities", "/v3/conversations/a:chat-matti/activities"]
    )


async def test_sends_to_one_conversation_are_paced_and_in_order(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    for index in range(10):
        await post_to_channel(sessions, forum_id, f"m{index}", text(str(index)), clock)
    await make_worker(sessions, clock).drain()
    assert [r.text for r in connector.sent] == [str(i) for i in range(10)]
    assert sum(clock.slept) >= 1.0  # 7 in the first second at most, on the virtual clock


async def test_a_burst_to_one_channel_post_keeps_every_teams_window(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    """70 card updates and posts to one conversation: Teams (enforcing 7/1 s, 8/2 s, 60/30 s) never says 429."""
    enforcer = connector.enforce_teams_limits(clock.monotonic)
    forum_id = await seed_forum(sessions, connector.url)
    for index in range(70):
        await post_to_channel(sessions, forum_id, f"burst{index}", text(str(index)), clock)
    await drain_until_settled(make_worker(sessions, clock), sessions, clock)
    assert [r.text for r in connector.sent if not r.faulted] == [str(i) for i in range(70)]
    assert enforcer.throttled == 0
    assert clock.monotonic_seconds > 30  # 60 in 30 s (+10 %) holds the 61st back


async def test_crash_after_claim_before_send_is_sent_once_after_the_lease(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    # A worker claims the row and dies before sending.
    lost = await OutboxDelivery(sessions).claim(clock.now, limit=10, lease=timedelta(seconds=30))
    assert [m.key for m in lost] == ["announce:1"]
    restarted = make_worker(sessions, clock)
    assert await restarted.drain() == 0 and connector.sent == []  # leased: nobody else sends it

    clock.advance(31)
    assert await restarted.drain() == 1
    assert len(connector.sent) == 1
    sent = await row(sessions, "announce:1")
    assert sent.status == "sent" and sent.attempts == 2  # the lost attempt is counted
    assert await restarted.drain() == 0 and len(connector.sent) == 1


class FlakyDelivery(OutboxDelivery):
    """The database goes away right after Teams accepted the post."""

    def __init__(self, sessions: Sessions, failures: int) -> None:
        super().__init__(sessions)
        self.failures = failures

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        if self.failures > 0 and any(isinstance(outcome, Sent) for outcome in outcomes):
            self.failures -= 1
            raise OperationalError("UPDATE outbox_message", {}, ConnectionResetError("database gone"))
        await super().record(outcomes)


async def test_database_blip_after_send_is_bridged_by_retrying_the_write(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    worker = make_worker(sessions, clock, delivery=FlakyDelivery(sessions, failures=2))
    assert await worker.drain() == 1
    assert (await row(sessions, "announce:1")).status == "sent" and len(connector.sent) == 1


async def test_longer_outage_after_send_is_written_later_not_resent(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    config = WorkerConfig(record_attempts=2, record_retry_seconds=0.01, lease=timedelta(seconds=30))
    flaky = FlakyDelivery(sessions, failures=2)
    worker = make_worker(sessions, clock, config=config, delivery=flaky)
    await worker.drain()
    assert (await row(sessions, "announce:1")).status == "sending"  # the write never landed

    clock.advance(60)  # the lease is long gone; the database is back
    await worker.drain()
    assert (await row(sessions, "announce:1")).status == "sent"
    assert len(connector.sent) == 1  # remembered in memory: not sent again


async def test_crash_between_send_and_sent_write_resends_once_the_documented_window(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    """At least once: a process that dies after Teams accepted a post and before the
    ``sent`` write landed loses its memory; when the lease ends the post goes again."""
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)
    config = WorkerConfig(record_attempts=1, lease=timedelta(seconds=30))
    await make_worker(sessions, clock, config=config, delivery=FlakyDelivery(sessions, failures=1)).drain()
    assert len(connector.sent) == 1

    clock.advance(31)
    await make_worker(sessions, clock).drain()  # a new process, no memory of the first
    assert len(connector.sent) == 2
    assert (await row(sessions, "announce:1")).status == "sent"


async def test_database_gone_during_claim_loses_nothing(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    await post_to_channel(sessions, forum_id, "announce:1", text("hei"), clock)

    class Down(OutboxDelivery):
        async def claim(self, *args: Any, **kwargs: Any) -> Any:
            raise OperationalError("SELECT", {}, ConnectionRefusedError("down"))

    assert await make_worker(sessions, clock, delivery=Down(sessions)).drain() == 0
    assert await make_worker(sessions, clock).drain() == 1


async def test_two_workers_draining_at_once_send_each_row_exactly_once(
    sessions: Sessions, connector: FakeConnector, clock: VirtualClock
) -> None:
    forum_id = await seed_forum(sessions, connector.url)
    people = [await seed_person(sessions, f"p{i}", service_url=connector.url) for i in range(20)]
    async with sessions() as session, session.begin():
        for index in range(60):
            await enqueue_message(
                session,
                key=f"m{index}",
                purpose="reminder",
                forum_id=forum_id,
                target=PersonTarget(people[index % 20]),
                activity=text(f"m{index}"),
                now=clock.now,
            )
    small = WorkerConfig(batch_size=7, record_retry_seconds=0.01)
    first, second = make_worker(sessions, clock, config=small), make_worker(sessions, clock, config=small)

    counts = await asyncio.gather(first.drain(), second.drain())

    assert sum(counts) == 60 and min(counts) > 0  # both really worked
    texts = sorted(r.text for r in connector.sent)
    assert texts == sorted(f"m{i}" for i in range(60))  # each exactly once
