"""A forum with people, museums and one meeting, straight in the database, for ``forum/`` tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import RendererRegistry
from forum.delivery.outbox_delivery import ClaimedMessage, OutboxDelivery
from forum.meetings.messages import meeting_renderers
from forum.meetings.model import Meeting
from forum.meetings.programme import import_programme
from forum.meetings.programme_file import parse_programme
from forum.meetings.rsvp import RsvpCounts
from forum.people.roster import Actor, Roster
from forum.types import MemberInfo, TeamInfo
from storage.models import OutboxMessageRow, ScheduledJobRow
from tests.support.activities import EVERYONE, KAISA, LIISA, TEAM_ID, TENANT_ID, User
from tests.support.outbox import channel_reference

Sessions = async_sessionmaker[AsyncSession]
SERVICE = "http://127.0.0.1:9/"
HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
"""A Wednesday noon in Helsinki; every meeting below is dated from it, never from the wall clock."""
START = datetime(2027, 1, 20, 10, 0, tzinfo=HELSINKI)
"""Meeting 1: a Wednesday eight weeks after ``NOW``."""


@dataclass
class RecordingRenderer:
    """Renders meetings as short texts and remembers what it was asked for."""

    calls: list[str] = field(default_factory=list)

    def channel_announcement(
        self, meeting: Meeting, counts: RsvpCounts, *, locale: str, time_zone: str, audience: Sequence[str] | None
    ) -> dict[str, Any]:
        tally = f"{counts.on_site}/{counts.online}/{counts.cannot}"
        text = f"announcement {meeting.number} r{meeting.revision} {meeting.status} {tally}"
        self.calls.append(text)
        return {"type": "message", "text": text, "audience": None if audience is None else list(audience)}

    def reminder(
        self, meeting: Meeting, counts: RsvpCounts, *, hours_before: int, locale: str, time_zone: str
    ) -> dict[str, Any]:
        text = f"reminder {meeting.number} {hours_before}h"
        self.calls.append(text)
        return {"type": "message", "text": text}

    def rsvp_nudge(self, meeting: Meeting, *, locale: str, time_zone: str) -> dict[str, Any]:
        text = f"nudge {meeting.number} {locale}"
        self.calls.append(text)
        return {"type": "message", "text": text}


def programme(start: datetime = START, *, extra: str = "") -> str:
    return f"""
[forum]
reminder_offsets_hours = [168, 24]

[[museums]]
name = "Tampereen museot"
members = ["{LIISA.email}"]

[[museums]]
name = "Ateneum"

[[meetings]]
number = 1
theme = "Kokeilemalla kehittäminen käytännössä"
starts_at = {start.strftime("%Y-%m-%dT%H:%M:%S")}
ends_at = {(start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S")}
rsvp_deadline = {(start - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")}
host_museum = "Tampereen museot"
venue_address = "Vapriikki, Tampere"
{extra}
"""


@dataclass(frozen=True)
class Seeded:
    forum_id: int
    roster: Roster
    renderer: RecordingRenderer

    async def actor(self, user: User) -> Actor:
        return await self.roster.identify(member(user), TEAM_ID)


def member(user: User) -> MemberInfo:
    return MemberInfo(user.id, user.name, user.aad_object_id, user.email, TENANT_ID)


async def seed(sessions: Sessions, people: tuple[User, ...] = EVERYONE, text: str | None = None) -> Seeded:
    """The forum (team installed, roster synced) with ``text`` (default ``programme()``) imported at ``NOW``."""
    roster = Roster(sessions, (KAISA.email,))
    registration = await roster.register_forum(
        TeamInfo(TEAM_ID, "Foorumi", TENANT_ID, SERVICE, channel_reference(SERVICE), "fi")
    )
    forum_id = registration.forum.id
    await roster.sync_roster(forum_id, [member(user) for user in people])
    renderer = RecordingRenderer()
    async with sessions() as session, session.begin():
        await import_programme(session, forum_id, parse_programme(text or programme()), now=NOW)
    return Seeded(forum_id, roster, renderer)


async def claim_rendered(sessions: Sessions, renderer: RecordingRenderer, now: datetime) -> list[ClaimedMessage]:
    """Claim what is due at ``now`` as the worker would, rendered by the meetings renderers."""
    registry = RendererRegistry()
    for purpose, render in meeting_renderers(renderer, clock=lambda: now).items():
        registry.register(purpose, render)
    return await OutboxDelivery(sessions, registry).claim(now, limit=100, lease=timedelta(minutes=2))


async def outbox(sessions: Sessions) -> list[OutboxMessageRow]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessageRow).order_by(OutboxMessageRow.id))).all())


async def jobs(sessions: Sessions) -> dict[str, ScheduledJobRow]:
    async with sessions() as session:
        # The meetings' jobs only: every forum also has its daily privacy-retention run.
        query = select(ScheduledJobRow).where(ScheduledJobRow.key.startswith("meeting:"))
        return {row.key: row for row in (await session.scalars(query)).all()}
