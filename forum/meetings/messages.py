"""The meetings feature's proactive messages, rendered by the outbox worker when they go.

Why here and not in the turn: the channel card, its updates, reminders and
nudges are *intents* (``forum.delivery.intents``) holding only the meeting's
id; these renderers read the meeting as it is at send time and draw it in
the reader's language, so a card that waited behind a throttled channel
shows the newest counts, and a nudge to someone who answered meanwhile is
not sent at all (None: the row ends ``dropped``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.intents import Activity, Intent, Reader, Render
from forum.meetings.model import Meeting, MeetingNotFoundError, get_meeting_by_id
from forum.meetings.renderer import MeetingRenderer
from forum.meetings.rsvp import answer_of, counts_for
from forum.people.audience import refresh_user_ids
from storage import meeting_repository as meetings_repo
from storage.types import utcnow

logger = logging.getLogger(__name__)

PURPOSE_ANNOUNCEMENT = "meeting_announcement"
PURPOSE_ANNOUNCEMENT_UPDATE = "meeting_announcement_update"
PURPOSE_REMINDER = "meeting_reminder"
PURPOSE_RSVP_NUDGE = "rsvp_nudge"

MEETING_ID = "meeting_id"
HOURS_BEFORE = "hours_before"
STARTS_AT = "starts_at"
"""The start the reminder was planned for: a meeting moved since gets a new reminder instead."""


def announcement_data(meeting: Meeting) -> dict[str, int]:
    return {MEETING_ID: meeting.id}


def reminder_data(meeting: Meeting, hours_before: int) -> dict[str, int | str]:
    return {MEETING_ID: meeting.id, HOURS_BEFORE: hours_before, STARTS_AT: meeting.starts_at.isoformat()}


def nudge_data(meeting: Meeting) -> dict[str, int]:
    return {MEETING_ID: meeting.id}


async def refresh_audience(session: AsyncSession, meeting: Meeting) -> list[str] | None:
    """Whose Teams fetch their own view of the channel card (``forum.people.audience``):
    None for everyone (a forum of at most 60), else the latest 60 who answered."""

    async def latest(session: AsyncSession, limit: int) -> Sequence[str]:
        return await meetings_repo.latest_answerers(session, meeting.id, limit)

    return await refresh_user_ids(session, meeting.forum_id, latest)


def meeting_renderers(cards: MeetingRenderer, clock: Callable[[], datetime] = utcnow) -> dict[str, Render]:
    """The renderers to register with the outbox, by purpose (``clock``: tests move time)."""

    async def announcement(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        meeting = await _meeting_of(session, intent)
        if meeting is None:
            return None
        return cards.channel_announcement(
            meeting,
            await counts_for(session, meeting.id),
            locale=reader.locale,
            time_zone=reader.time_zone,
            audience=await refresh_audience(session, meeting),
        )

    async def reminder(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        meeting = await _meeting_of(session, intent)
        if meeting is None or not _still_ahead(meeting, intent, clock()):
            return None
        return cards.reminder(
            meeting,
            await counts_for(session, meeting.id),
            hours_before=int(intent.data[HOURS_BEFORE]),
            locale=reader.locale,
            time_zone=reader.time_zone,
        )

    async def nudge(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        meeting = await _meeting_of(session, intent)
        now = clock()
        if meeting is None or meeting.is_cancelled or meeting.starts_at <= now or reader.person_id is None:
            return None
        if meeting.rsvp_deadline is not None and meeting.rsvp_deadline <= now:
            return None
        if await answer_of(session, meeting.id, reader.person_id, meeting.forum_id) is not None:
            return None  # answered since the nudge was queued
        return cards.rsvp_nudge(meeting, locale=reader.locale, time_zone=reader.time_zone)

    return {
        PURPOSE_ANNOUNCEMENT: announcement,
        PURPOSE_ANNOUNCEMENT_UPDATE: announcement,
        PURPOSE_REMINDER: reminder,
        PURPOSE_RSVP_NUDGE: nudge,
    }


async def _meeting_of(session: AsyncSession, intent: Intent) -> Meeting | None:
    try:
        return await get_meeting_by_id(session, int(intent.data[MEETING_ID]))
    except MeetingNotFoundError:
        logger.info("%s: meeting %s no longer exists", intent.key, intent.data.get(MEETING_ID))
        return None


def _still_ahead(meeting: Meeting, intent: Intent, now: datetime) -> bool:
    """A reminder goes only for the meeting it was planned for, before it starts."""
    planned = intent.data.get(STARTS_AT)
    if meeting.is_cancelled or meeting.starts_at <= now:
        return False
    return planned is None or datetime.fromisoformat(str(planned)) == meeting.starts_at
