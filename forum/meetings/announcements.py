"""The one announcement card per meeting in the forum's channel, and its updates.

Why through the outbox: posting and every later change (an answer's new
counts, an edit, a cancellation) are outbox rows written in the same
transaction as the change itself, so a crash never leaves a saved edit with a
stale card, and Teams' rate limits and retries are handled in one place.

Why updates, never a second post: the card's outbox key is stored on the
meeting, and every change enqueues an *update* of the activity that key
posted. Each update has its own key (the change's version) so none is lost,
and each carries the whole card as it is now, so the newest one wins.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.outbox import ChannelTarget, enqueue_message, enqueue_update
from forum.meetings.model import (
    Meeting,
    MeetingCancelledError,
    MeetingOverError,
    announcement_key_for,
    get_meeting_by_id,
    mark_announced,
)
from forum.meetings.renderer import Activity, MeetingRenderer
from forum.meetings.rsvp import counts_for
from storage import roster_repository as roster_repo

logger = logging.getLogger(__name__)

PURPOSE_ANNOUNCEMENT = "meeting_announcement"
PURPOSE_ANNOUNCEMENT_UPDATE = "meeting_announcement_update"
REFRESH_AUDIENCE_LIMIT = 60
"""Teams fetches a personal view automatically for at most 60 listed users."""


class AlreadyAnnouncedError(Exception):
    """The meeting's card is already in the channel; edits update it there."""

    def __init__(self, meeting: Meeting) -> None:
        super().__init__(meeting.id)
        self.meeting = meeting


class ForumUnreachableError(Exception):
    """The forum has no channel to post to (the bot was never installed in a team)."""


async def refresh_audience(session: AsyncSession, forum_id: int) -> list[str]:
    """Teams ids of the forum's active members, for the card's personal views.

    Over the limit nobody is listed: Teams then shows everyone the shared
    card, and a person still sees their answer after pressing a button.
    """
    members = await roster_repo.participants_of(session, forum_id, active_only=True)
    ids = [row.person.teams_user_id for row in members]
    return ids if len(ids) <= REFRESH_AUDIENCE_LIMIT else []


async def channel_card(session: AsyncSession, meeting: Meeting, renderer: MeetingRenderer) -> Activity:
    """The channel card as it should look now, in the forum's language."""
    forum = await roster_repo.forum_by_id(session, meeting.forum_id)
    if forum is None:
        raise ForumUnreachableError(meeting.forum_id)
    return renderer.channel_announcement(
        meeting,
        await counts_for(session, meeting.id),
        locale=forum.locale,
        time_zone=forum.time_zone,
        audience=await refresh_audience(session, meeting.forum_id),
    )


async def post_announcement(
    session: AsyncSession, meeting_id: int, renderer: MeetingRenderer, *, now: datetime
) -> Meeting:
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
    await enqueue_message(
        session,
        key=key,
        purpose=PURPOSE_ANNOUNCEMENT,
        forum_id=meeting.forum_id,
        target=ChannelTarget(meeting.forum_id),
        activity=await channel_card(session, meeting, renderer),
        now=now,
    )
    announced = await mark_announced(session, meeting.id, key, now)
    logger.info("meeting %s announcement queued as %s", meeting.id, key)
    return announced


async def update_announcement(
    session: AsyncSession, meeting: Meeting, renderer: MeetingRenderer, *, version: str
) -> bool:
    """Queue an in-place update of the posted card; False when nothing is posted.

    ``version`` names the change (a revision, an answer) so two different
    changes are two updates, and the same change enqueued twice is one.
    """
    if meeting.announcement_key is None:
        return False
    await enqueue_update(
        session,
        key=f"{meeting.announcement_key}:update:{version}",
        purpose=PURPOSE_ANNOUNCEMENT_UPDATE,
        forum_id=meeting.forum_id,
        target_key=meeting.announcement_key,
        activity=await channel_card(session, meeting, renderer),
    )
    return True
