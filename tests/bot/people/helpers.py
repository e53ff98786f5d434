"""Shared steps of the privacy tests: a forum whose members have data in every wing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.components import DATABASE
from bot.delivery.context import DELIVERY
from forum.delivery.outbox import PersonTarget, enqueue_message
from storage.models import OutboxMessageRow, PersonRow
from storage.state_store import DocumentWrite, StateStore
from tests.bot.meetings.helpers import future_day, meeting_row, press, programme_text, seed_programme
from tests.support.activities import User, channel_conversation, personal_conversation, personal_message
from tests.support.driver import Driver

TYPED_ANSWER = "Kokeilimme vapaaehtoisten perehdytystä; opimme, että ohjeet kannattaa tehdä yhdessä."


def sessions_of(driver: Driver) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = driver.client.server.app[DATABASE].sessions
    return sessions


async def person_of(driver: Driver, user: User) -> PersonRow | None:
    async with sessions_of(driver)() as session:
        return await session.scalar(select(PersonRow).where(PersonRow.teams_user_id == user.id))


def state_key(user: User) -> str:
    """The key botbuilder's ConversationState gives the user's 1:1 chat (``{channel}/conversations/{id}``)."""
    return f"msteams/conversations/{personal_conversation(user)['id']}"


async def give_data(driver: Driver, user: User, *, answer: str = "on_site") -> dict[str, Any]:
    """The user answers meeting 1, has a dialog half-way in their 1:1 and a message waiting.

    Returns what the test stored, to compare the export with.
    """
    meeting = await meeting_row(driver)
    await driver.send(personal_message(driver.service_url, user, "apua"))  # their 1:1 with the bot
    await press(
        driver, user, "meeting.rsvp", {"meetingId": meeting.id, "answer": answer}, conversation=channel_conversation()
    )
    person = await person_of(driver, user)
    assert person is not None and person.personal_reference is not None
    document = {"DialogState": {"dialogStack": [{"id": "checkin", "state": {"typed": TYPED_ANSWER}}]}}
    await StateStore(sessions_of(driver)).write({state_key(user): DocumentWrite(json.dumps(document))})
    activity = {"type": "message", "text": f"Hei {user.name}, muistathan kuulumiset?"}
    async with sessions_of(driver)() as session, session.begin():
        await enqueue_message(
            session,
            key=f"test:waiting:{user.key}",
            purpose="test_waiting",
            forum_id=meeting.forum_id,
            target=PersonTarget(person.id),
            activity=activity,
            not_before=datetime.now(UTC) + timedelta(days=365),
        )
    return {"meeting": meeting, "document": document, "activity": activity, "person_id": person.id}


async def forum_with_programme(driver: Driver, start: datetime | None = None) -> int:
    await driver.install()
    return await seed_programme(driver, programme_text(start or future_day()))


async def outbox_to(driver: Driver, key: str) -> OutboxMessageRow | None:
    async with sessions_of(driver)() as session:
        return await session.scalar(select(OutboxMessageRow).where(OutboxMessageRow.idempotency_key == key))


async def outbox_row(driver: Driver, row_id: int) -> OutboxMessageRow:
    async with sessions_of(driver)() as session:
        row = await session.get(OutboxMessageRow, row_id)
        assert row is not None
        return row


async def run_daily_jobs(driver: Driver, at: datetime) -> int:
    """The dispatcher as the scheduler runs it, at a moment the test picks."""
    count: int = await driver.client.server.app[DELIVERY].dispatcher.run_due(at)
    return count


def path_of(url: str) -> str:
    return urlsplit(url).path
