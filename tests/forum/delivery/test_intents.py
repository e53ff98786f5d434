"""Intents: stored as ids, rendered when claimed, card updates coalesced, None means dropped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import Intent, Reader, RendererRegistry, enqueue_card_update, enqueue_intent
from forum.delivery.outbox import ChannelTarget, OutboxError, PersonTarget, UnknownTargetError
from forum.delivery.outbox_delivery import OutboxDelivery, Sent
from storage.models import PersonRow
from tests.support.outbox import START, row, seed_forum, seed_person

Sessions = async_sessionmaker[AsyncSession]
SERVICE = "http://127.0.0.1:9/"
LEASE = timedelta(minutes=2)


class Board:
    """What the renderers read: a value that changes after the intent was queued."""

    def __init__(self) -> None:
        self.value = "first"
        self.calls: list[tuple[str, str, int | None]] = []

    def registry(self) -> RendererRegistry:
        registry = RendererRegistry()

        async def note(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any] | None:
            self.calls.append((intent.key, reader.locale, reader.person_id))
            if intent.data.get("gone"):
                return None
            return {"type": "message", "text": f"{self.value} {reader.locale} {intent.data['thing']}"}

        async def broken(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any] | None:
            raise KeyError("thing")

        registry.register("note", note)
        registry.register("note_update", note)
        registry.register("broken", broken)
        return registry


async def queue(
    session: AsyncSession, key: str, target: ChannelTarget | PersonTarget, forum_id: int, **data: Any
) -> None:
    purpose = str(data.pop("purpose", "note"))
    await enqueue_intent(session, key=key, purpose=purpose, target=target, data=data, forum_id=forum_id, now=START)


async def test_an_intent_is_rendered_when_claimed_with_current_data_in_the_readers_language(
    sessions: Sessions,
) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    matti = await seed_person(sessions, "matti", service_url=SERVICE)
    async with sessions() as session, session.begin():
        await queue(session, "to-channel", ChannelTarget(forum_id), forum_id, thing=1)
        await queue(session, "to-matti", PersonTarget(matti), forum_id, thing=2)
        await queue(session, "to-matti", PersonTarget(matti), forum_id, thing=99)  # same key: unchanged
        person = await session.get(PersonRow, matti)
        assert person is not None
        person.preferred_locale = "sv"
    stored = await row(sessions, "to-matti")
    assert stored.payload is None and stored.data == {"thing": 2}
    board = Board()
    board.value = "newest"  # changed after the enqueue: the send shows it

    claimed = await OutboxDelivery(sessions, board.registry()).claim(START, limit=10, lease=LEASE)

    assert {m.key: m.activity["text"] for m in claimed} == {"to-channel": "newest fi 1", "to-matti": "newest sv 2"}


async def test_none_from_the_renderer_drops_the_row_and_a_broken_renderer_fails_only_its_own(
    sessions: Sessions,
) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        await queue(session, "gone", ChannelTarget(forum_id), forum_id, thing=1, gone=True)
        await queue(session, "broken", ChannelTarget(forum_id), forum_id, thing=1, purpose="broken")
        await queue(session, "unknown", ChannelTarget(forum_id), forum_id, thing=1, purpose="nobody-renders-this")
        await queue(session, "fine", ChannelTarget(forum_id), forum_id, thing=1)

    claimed = await OutboxDelivery(sessions, Board().registry()).claim(START, limit=10, lease=LEASE)

    by_key = {m.key: m for m in claimed}
    assert set(by_key) == {"broken", "unknown", "fine"}
    assert (await row(sessions, "gone")).status == "dropped"
    assert by_key["fine"].problem is None
    assert "rendering failed" in str(by_key["broken"].problem)
    assert "no renderer" in str(by_key["unknown"].problem)


async def test_card_updates_coalesce_and_wait_for_the_card(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    delivery = OutboxDelivery(sessions, Board().registry())
    async with sessions() as session, session.begin():
        await queue(session, "card", ChannelTarget(forum_id), forum_id, thing=1)
        pending = await enqueue_card_update(session, card_key="card", purpose="note_update", now=START)
    assert pending is not None and pending.key == "card"  # not posted yet: the post shows the newest

    [post] = await delivery.claim(START, limit=10, lease=LEASE)  # being sent now
    async with sessions() as session, session.begin():
        first = await enqueue_card_update(session, card_key="card", purpose="note_update", now=START)
        second = await enqueue_card_update(session, card_key="card", purpose="note_update", now=START)
    assert first is not None and second is not None and first.key == second.key == "card:update:1"
    assert await delivery.claim(START, limit=10, lease=LEASE) == []  # waits for the card's post

    await delivery.record([Sent(post.id, START, "activity-1", "conversation-1", post.reference)])
    [update] = await delivery.claim(START, limit=10, lease=LEASE)
    assert update.key == "card:update:1" and update.target_activity_id == "activity-1"
    assert update.intent is not None and update.intent.card_key == "card" and update.activity["text"] == "first fi 1"
    async with sessions() as session, session.begin():
        third = await enqueue_card_update(session, card_key="card", purpose="note_update", now=START)  # one in flight
    assert third is not None and third.key == "card:update:2"


async def test_card_updates_of_nothing(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        await queue(session, "gone", ChannelTarget(forum_id), forum_id, thing=1, gone=True)
    await OutboxDelivery(sessions, Board().registry()).claim(START, limit=10, lease=LEASE)
    async with sessions() as session, session.begin():
        assert await enqueue_card_update(session, card_key="gone", purpose="note_update") is None
        with pytest.raises(UnknownTargetError):
            await enqueue_card_update(session, card_key="never-queued", purpose="note_update")


async def test_bad_intents_are_refused(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        with pytest.raises(OutboxError):
            await enqueue_intent(
                session, key="x", purpose="note", target=ChannelTarget(forum_id), data={"at": START}, forum_id=forum_id
            )
        with pytest.raises(OutboxError):
            await enqueue_intent(
                session,
                key="y",
                purpose="note",
                target=ChannelTarget(forum_id),
                data={},
                forum_id=forum_id,
                expires_at=START.replace(tzinfo=None),
            )


def test_a_purpose_has_one_renderer() -> None:
    registry = Board().registry()
    with pytest.raises(ValueError):
        registry.register("note", registry.get("note"))
