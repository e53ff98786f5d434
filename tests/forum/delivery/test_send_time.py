"""Quiet hours and expiry are checked by the worker before every try, not fixed at enqueue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import Intent, Reader, RendererRegistry, enqueue_intent
from forum.delivery.outbox import ChannelTarget
from forum.delivery.outbox_delivery import OutboxDelivery, Retry
from storage.models import ForumRow
from tests.support.outbox import row, seed_forum

Sessions = async_sessionmaker[AsyncSession]
SERVICE = "http://127.0.0.1:9/"
HELSINKI = ZoneInfo("Europe/Helsinki")
LEASE = timedelta(minutes=2)
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 58, tzinfo=HELSINKI)


async def queue(sessions: Sessions, forum_id: int, key: str, now: datetime, expires_at: datetime | None = None) -> None:
    async with sessions() as session, session.begin():
        await enqueue_intent(
            session,
            key=key,
            purpose="reminder",
            target=ChannelTarget(forum_id),
            data={"thing": 1},
            forum_id=forum_id,
            expires_at=expires_at,
            respect_quiet_hours=True,
            now=now,
        )


def outbox(sessions: Sessions) -> OutboxDelivery:
    async def render(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any]:
        return {"type": "message", "text": intent.key}

    registry = RendererRegistry()
    registry.register("reminder", render)
    return OutboxDelivery(sessions, registry)


async def test_a_retry_that_would_land_after_20_waits_for_the_morning(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    await queue(sessions, forum_id, "reminder", WEDNESDAY_EVENING)
    delivery = outbox(sessions)
    [first] = await delivery.claim(WEDNESDAY_EVENING, limit=10, lease=LEASE)  # 19:58: allowed
    retry_at = WEDNESDAY_EVENING + timedelta(minutes=5)
    await delivery.record([Retry(first.id, 503, "HTTP 503", retry_at)])

    assert await delivery.claim(retry_at, limit=10, lease=LEASE) == []  # 20:03: quiet, held

    held = await row(sessions, "reminder")
    assert held.status == "pending" and held.attempts == 1  # the hold is not an attempt
    assert held.next_attempt_at == datetime(2026, 11, 26, 8, 0, tzinfo=HELSINKI)
    [again] = await delivery.claim(held.next_attempt_at, limit=10, lease=LEASE)
    assert again.key == "reminder"


async def test_a_forum_with_no_quiet_hours_gets_messages_any_time(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    async with sessions() as session, session.begin():
        forum = await session.get(ForumRow, forum_id)
        assert forum is not None
        forum.quiet_hours = "none"
    sunday_night = datetime(2026, 11, 29, 3, 0, tzinfo=HELSINKI)
    await queue(sessions, forum_id, "reminder", sunday_night)

    [claimed] = await outbox(sessions).claim(sunday_night, limit=10, lease=LEASE)
    assert claimed.key == "reminder"


async def test_a_row_whose_quiet_spell_outlasts_it_is_dropped(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, SERVICE)
    sunday = datetime(2026, 11, 29, 9, 0, tzinfo=HELSINKI)
    monday_early = datetime(2026, 11, 30, 7, 0, tzinfo=HELSINKI)
    await queue(sessions, forum_id, "too-late", sunday, expires_at=monday_early)
    await queue(sessions, forum_id, "expired", sunday - timedelta(days=3), expires_at=sunday - timedelta(days=2))

    assert await outbox(sessions).claim(sunday, limit=10, lease=LEASE) == []

    for key in ("too-late", "expired"):
        dropped = await row(sessions, key)
        assert dropped.status == "dropped" and dropped.attempts == 0, key
