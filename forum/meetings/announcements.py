"""The one announcement card per meeting in the forum's channel, and its updates.

Why through the outbox: posting and every later change (an answer's new
counts, an edit, a cancellation) are outbox rows written in the same
transaction as the change itself, so a crash never leaves a saved edit with a
stale card, and Teams' rate limits and retries are handled in one place.

Why intents: the rows hold the meeting's id only; the worker renders the
card when it goes (``forum.meetings.messages``), so an RSVP turn writes its
answer and one small row, never builds a card under the write lock, and a
burst of answers is one update carrying the newest counts.

Why updates, never a second post: the card's outbox key is stored on the
meeting, and every change enqueues an *update* of the activity that key
posted (coalesced with one still waiting).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.intents import enqueue_card_update, enqueue_intent
from forum.delivery.outbox import ChannelTarget
from forum.meetings.messages import PURPOSE_ANNOUNCEMENT, PURPOSE_ANNOUNCEMENT_UPDATE, announcement_data
from forum.meetings.model import (
    Meeting,
    MeetingCancelledError,
    MeetingOverError,
    announcement_key_for,
    get_meeting_by_id,
    mark_announced,
)
from storage import roster_repository as roster_repo

logger = logging.getLogger(__name__)


class AlreadyAnnouncedError(Exception):
    """The meeting's card is already in the channel; edits update it there."""

    def __init__(self, meeting: Meeting) -> None:
        super().__init__(meeting.id)
        self.meeting = meeting


class ForumUnreachableError(Exception):
    """The forum has no channel to post to (the bot was never installed in a team)."""


async def post_announcement(session: AsyncSession, meeting_id: int, *, now: datetime) -> Meeting:
    """Queue the meeting's card for the channel, once; returns the meeting as announced."""
    meeting = await get_meeting_by_id(session, meeting_id, for_update=True)
    if meeting.is_cancelled:
        raise MeetingCancelledError(meeting_id)
    if meeting.is_announced:
        raise AlreadyAnnouncedError(meeting)
    if meeting.starts_at <= now:
        raise MeetingOverError(meeting_id)
    forum = await roster_repo.forum_by_id(session, meeting.forum_id)
    if forum is None or not forum.channel_reference:
        raise ForumUnreachableError(meeting.forum_id)
    key = announcement_key_for(meeting.id, meeting.revision)
    await enqueue_intent(
        session,
        key=key,
        purpose=PURPOSE_ANNOUNCEMENT,
        target=ChannelTarget(meeting.forum_id),
        data=announcement_data(meeting),
        forum_id=meeting.forum_id,
        now=now,
    )
    announced = await mark_announced(session, meeting.id, key, now)
    logger.info("meeting %s announcement queued as %s", meeting.id, key)
    return announced


async def update_announcement(session: AsyncSession, meeting: Meeting) -> bool:
    """Queue an in-place update of the posted card; False when nothing is (or will be) posted."""
    if meeting.announcement_key is None:
        return False
    update = await enqueue_card_update(session, card_key=meeting.announcement_key, purpose=PURPOSE_ANNOUNCEMENT_UPDATE)
    return update is not None
