"""Enqueueing: idempotent by key, quiet hours, targets, updates folded or waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.outbox import (
    ChannelTarget,
    NoChannelError,
    OutboxError,
    PersonTarget,
    UnknownRecipientError,
    UnknownTargetError,
    delivery_summary,
    enqueue_message,
    enqueue_update,
    message_view,
    sent_activity,
)
from forum.delivery.outbox_delivery import OutboxDelivery
from storage.models import ForumRow, OutboxMessageRow
from tests.support.outbox import START, seed_forum, seed_person

Sessions = async_sessionmaker[AsyncSession]
SERVICE = "http://127.0.0.1:9/"


def card(version: int) -> dict[str, object]:
    return {"type": "message", "text": f"v{version}"}


async def count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessageRow)) or 0)


async def test_same_key_twice_gives_one_row_and_changes_nothing(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        first = await enqueue_message(
            session,
            key="k",
            purpose="announce",
            forum_id=forum_id,
            target=ChannelTarget(forum_id),
            activity=card(1),
            now=START,
        )
    async with sessions() as session, session.begin():
        again = await enqueue_message(
            session,
            key="k",
            purpose="other",
            forum_id=forum_id,
            target=ChannelTarget(forum_id),
            activity=card(2),
            now=START + timedelta(hours=1),
        )
    assert again == first and await count(sessions) == 1
    async with sessions() as session:
        stored = await session.scalar(select(OutboxMessageRow))
    assert stored is not None and stored.payload == card(1) and stored.purpose == "announce"
    assert stored.conversation_reference is not None  # the channel, as stored at install
    assert first.status == "pending" and first.next_attempt_at == START


async def test_quiet_hours_and_not_before(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    person = await seed_person(sessions, "matti", service_url=SERVICE)
    saturday_noon = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        quiet = await enqueue_message(
            session,
            key="nudge",
            purpose="nudge",
            forum_id=forum_id,
            target=PersonTarget(person),
            activity=card(1),
            respect_quiet_hours=True,
            now=saturday_noon,
        )
        later = await enqueue_message(
            session,
            key="later",
            purpose="nudge",
            forum_id=forum_id,
            target=PersonTarget(person),
            activity=card(1),
            not_before=START + timedelta(days=1),
            now=START,
        )
    # Quiet hours are the worker's to check before each try (tests/forum/delivery/test_send_time.py).
    assert quiet.next_attempt_at == saturday_noon
    assert later.next_attempt_at == START + timedelta(days=1)
    assert quiet.recipient_person_id == person


async def test_bad_enqueues_are_refused_and_store_nothing(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        session.add(ForumRow(team_id="19:not-installed", service_url=SERVICE))
        await session.flush()
        bare = (await session.scalars(select(ForumRow.id).where(ForumRow.team_id == "19:not-installed"))).one()
    cases = [
        (NoChannelError, {"target": ChannelTarget(bare)}),
        (NoChannelError, {"target": ChannelTarget(9999)}),
        (UnknownRecipientError, {"target": PersonTarget(9999)}),
        (OutboxError, {"target": ChannelTarget(forum_id), "activity": {"type": "typing"}}),
        (OutboxError, {"target": ChannelTarget(forum_id), "activity": {"type": "message", "x": object()}}),
    ]
    for error, overrides in cases:
        arguments: dict[str, object] = {
            "key": "k",
            "purpose": "p",
            "forum_id": forum_id,
            "activity": card(1),
            **overrides,
        }
        with pytest.raises(error):
            async with sessions() as session, session.begin():
                await enqueue_message(session, **arguments)  # type: ignore[arg-type]
    assert await count(sessions) == 0


async def test_update_of_a_pending_send_is_folded_into_it(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        await enqueue_message(
            session,
            key="card",
            purpose="announce",
            forum_id=forum_id,
            target=ChannelTarget(forum_id),
            activity=card(1),
        )
        merged = await enqueue_update(
            session, key="card:v2", purpose="announce", forum_id=forum_id, target_key="card", activity=card(2)
        )
        again = await enqueue_update(
            session, key="card:v2", purpose="announce", forum_id=forum_id, target_key="card", activity=card(9)
        )
    assert merged.status == "merged" and again == merged
    async with sessions() as session:
        target = await session.scalar(select(OutboxMessageRow).where(OutboxMessageRow.idempotency_key == "card"))
    assert target is not None and target.payload == card(2)


async def test_update_of_a_claimed_send_waits_and_older_updates_are_superseded(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        await enqueue_message(
            session,
            key="card",
            purpose="announce",
            forum_id=forum_id,
            target=ChannelTarget(forum_id),
            activity=card(1),
            now=START,
        )
    claimed = await OutboxDelivery(sessions).claim(START, limit=10, lease=timedelta(minutes=1))
    assert [m.key for m in claimed] == ["card"]
    async with sessions() as session, session.begin():
        first = await enqueue_update(
            session, key="card:v2", purpose="announce", forum_id=forum_id, target_key="card", activity=card(2)
        )
        second = await enqueue_update(
            session, key="card:v3", purpose="announce", forum_id=forum_id, target_key="card", activity=card(3)
        )
    assert first.status == "pending" and second.status == "pending"
    async with sessions() as session:
        assert (await message_view(session, "card:v2")).status == "superseded"  # type: ignore[union-attr]
        assert await sent_activity(session, "card") is None  # not sent yet
    # While its card is being sent, the update is not claimable.
    assert await OutboxDelivery(sessions).claim(START, limit=10, lease=timedelta(minutes=1)) == []
    with pytest.raises(UnknownTargetError):
        async with sessions() as session, session.begin():
            await enqueue_update(session, key="x", purpose="p", forum_id=forum_id, target_key="nope", activity=card(1))


async def test_summary_counts_per_status(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    person = await seed_person(sessions, "liisa", service_url=SERVICE)
    async with sessions() as session, session.begin():
        for index in range(3):
            await enqueue_message(
                session,
                key=f"k{index}",
                purpose="reminder",
                forum_id=forum_id,
                target=PersonTarget(person),
                activity=card(index),
            )
    async with sessions() as session:
        summary = await delivery_summary(session, forum_id)
    assert summary.counts == {"pending": 3} and summary.total == 3 and summary.problems == ()
