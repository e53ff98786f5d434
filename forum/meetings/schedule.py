"""Reminders and RSVP nudges of a meeting, as scheduled jobs derived from it.

Why derived, with stable keys: the schedule is recomputed from the meeting
after every change (``sync_meeting_jobs``), and the job keys say what each
job is for (``meeting:5:reminder:168h``), so moving a meeting moves its jobs,
cancelling it cancels them, and recomputing twice changes nothing.

When the jobs fall due their handlers queue outbox *intents* (rendered when
sent, ``forum.meetings.messages``) that respect the forum's quiet hours and
expire at the meeting's start (a reminder) or its RSVP deadline (a nudge):
the worker holds them while it is quiet and drops what would come too late.

The nudge waits for the announcement: a person is asked to answer only once
the card they answer on is in the channel, and a day after it at the
earliest, so it reaches only those who did not answer on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.intents import enqueue_intent
from forum.delivery.jobs import JobHandler, JobView, cancel_jobs, upsert_job
from forum.delivery.outbox import ChannelTarget, PersonTarget
from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS, NEVER_QUIET, QuietHours, forum_quiet_hours
from forum.meetings.messages import PURPOSE_REMINDER, PURPOSE_RSVP_NUDGE, nudge_data, reminder_data
from forum.meetings.model import Meeting, MeetingNotFoundError, get_meeting_by_id
from storage import meeting_repository as meetings_repo
from storage import roster_repository as roster_repo

logger = logging.getLogger(__name__)

KIND_REMINDER = "meeting_reminder"
KIND_RSVP_NUDGE = "rsvp_nudge"
DEFAULT_REMINDER_OFFSETS_HOURS: tuple[int, ...] = (168, 24)
NUDGE_BEFORE_DEADLINE = timedelta(hours=48)
NUDGE_BEFORE_FIRST_REMINDER = timedelta(hours=24)
NUDGE_NOT_BEFORE_ANNOUNCEMENT = timedelta(hours=24)


@dataclass(frozen=True)
class PlannedJob:
    key: str
    kind: str
    due_at: datetime


def meeting_job_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def reminder_job_key(meeting_id: int, hours: int) -> str:
    return f"meeting:{meeting_id}:reminder:{hours}h"


def nudge_job_key(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:rsvp_nudge"


def hours_of_reminder_key(key: str) -> int | None:
    tail = key.rsplit(":", 1)[-1]
    return int(tail[:-1]) if tail.endswith("h") and tail[:-1].isdigit() else None


def plan_jobs(
    meeting: Meeting,
    offsets_hours: Sequence[int],
    now: datetime,
    quiet: QuietHours = NEVER_QUIET,
    time_zone: str = "Europe/Helsinki",
) -> list[PlannedJob]:
    """The jobs the meeting should have now; due times already past are left out.

    A reminder due in ``quiet`` hours waits for them to end (the worker holds
    it), unless they last past the meeting's start: then it is planned for the
    last allowed moment before them (a Monday 07:00 meeting's 24 h reminder
    goes on Friday at 19:59, not on Monday at 08:00).
    """
    if meeting.is_cancelled or meeting.starts_at <= now:
        return []
    offsets = sorted({hours for hours in offsets_hours if hours > 0}, reverse=True)
    planned = [
        PlannedJob(
            reminder_job_key(meeting.id, hours),
            KIND_REMINDER,
            _before_start(meeting.starts_at - timedelta(hours=hours), meeting.starts_at, quiet, time_zone),
        )
        for hours in offsets
    ]
    planned = [job for job in planned if job.due_at > now]
    nudge = _nudge_due(meeting, offsets)
    if nudge is not None and nudge > now:
        planned.append(PlannedJob(nudge_job_key(meeting.id), KIND_RSVP_NUDGE, nudge))
    return planned


def _before_start(due: datetime, starts_at: datetime, quiet: QuietHours, time_zone: str) -> datetime:
    if quiet.next_allowed(due, time_zone) < starts_at:
        return due
    return quiet.last_allowed_before(due, time_zone)


def _nudge_due(meeting: Meeting, offsets: Sequence[int]) -> datetime | None:
    if meeting.announced_at is None:
        return None
    answer_by = meeting.rsvp_deadline or meeting.starts_at
    if meeting.rsvp_deadline is not None:
        wanted = meeting.rsvp_deadline - NUDGE_BEFORE_DEADLINE
    elif offsets:
        wanted = meeting.starts_at - timedelta(hours=max(offsets)) - NUDGE_BEFORE_FIRST_REMINDER
    else:
        wanted = meeting.starts_at - NUDGE_BEFORE_DEADLINE
    due = max(wanted, meeting.announced_at + NUDGE_NOT_BEFORE_ANNOUNCEMENT)
    return due if due < answer_by else None


async def sync_meeting_jobs(
    session: AsyncSession, meeting: Meeting, *, now: datetime, quiet_default: QuietHours = DEFAULT_QUIET_HOURS
) -> list[PlannedJob]:
    """Make the meeting's pending jobs exactly ``plan_jobs``: moved, added or cancelled.

    ``quiet_default``: the quiet hours of a forum without its own setting.
    """
    forum = await roster_repo.forum_by_id(session, meeting.forum_id)
    offsets = DEFAULT_REMINDER_OFFSETS_HOURS
    quiet, zone = quiet_default, "Europe/Helsinki"
    if forum is not None:
        offsets = tuple(int(hours) for hours in forum.reminder_offsets_hours or offsets)
        quiet = forum_quiet_hours(forum.quiet_hours, forum.quiet_weekends, quiet_default)
        zone = forum.time_zone
    planned = plan_jobs(meeting, offsets, now, quiet, zone)
    cancelled = await cancel_jobs(session, key_prefix=meeting_job_prefix(meeting.id))
    for job in planned:
        await upsert_job(
            session,
            key=job.key,
            forum_id=meeting.forum_id,
            kind=job.kind,
            subject_id=meeting.id,
            due_at=job.due_at,
            now=now,
        )
    logger.info("meeting %s: %s jobs planned (%s pending ones replaced)", meeting.id, len(planned), cancelled)
    return planned


def meeting_job_handlers() -> dict[str, JobHandler]:
    """The handlers to register with the job dispatcher, by kind."""
    return {KIND_REMINDER: send_reminder, KIND_RSVP_NUDGE: send_rsvp_nudges}


async def _live_meeting(session: AsyncSession, job: JobView, now: datetime) -> Meeting | None:
    """The job's meeting, or None when it is gone, cancelled or over (a stale job)."""
    if job.subject_id is None:
        return None
    try:
        meeting = await get_meeting_by_id(session, job.subject_id)
    except MeetingNotFoundError:
        logger.info("job %s: meeting %s no longer exists", job.key, job.subject_id)
        return None
    if meeting.is_cancelled or meeting.starts_at <= now:
        logger.info("job %s: meeting %s is cancelled or has started, nothing sent", job.key, meeting.id)
        return None
    return meeting


async def send_reminder(session: AsyncSession, job: JobView, now: datetime) -> None:
    """Queue the channel reminder: one per meeting, offset and start time.

    The start time is part of the message key so that a meeting moved after
    its reminder went out is reminded of again, at its new date.
    """
    meeting = await _live_meeting(session, job, now)
    hours = hours_of_reminder_key(job.key)
    if meeting is None or hours is None:
        return
    await enqueue_intent(
        session,
        key=f"{reminder_job_key(meeting.id, hours)}:{meeting.starts_at:%Y%m%dT%H%MZ}",
        purpose=PURPOSE_REMINDER,
        target=ChannelTarget(meeting.forum_id),
        data=reminder_data(meeting, hours),
        forum_id=meeting.forum_id,
        expires_at=meeting.starts_at,
        respect_quiet_hours=True,
        now=now,
    )


async def send_rsvp_nudges(session: AsyncSession, job: JobView, now: datetime) -> None:
    """Queue a 1:1 nudge to each active participant without an answer: one per meeting and person."""
    meeting = await _live_meeting(session, job, now)
    if meeting is None or not meeting.is_announced:
        return
    if meeting.rsvp_deadline is not None and meeting.rsvp_deadline <= now:
        return
    row = await meetings_repo.meeting_by_id(session, meeting.id)
    if row is None:
        return
    for participant in await meetings_repo.participants_without_answer(session, row):
        await enqueue_intent(
            session,
            key=f"{nudge_job_key(meeting.id)}:person:{participant.person.id}",
            purpose=PURPOSE_RSVP_NUDGE,
            target=PersonTarget(participant.person.id),
            data=nudge_data(meeting),
            forum_id=meeting.forum_id,
            expires_at=meeting.rsvp_deadline or meeting.starts_at,
            respect_quiet_hours=True,
            now=now,
        )
