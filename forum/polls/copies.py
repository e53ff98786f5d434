"""A poll's optional 1:1 copies and its one nudge.

Why: some people never open the channel; the forum's survey got few answers when it was a
separate form. A coordinator who posts the poll "to everyone's chat too" has the outbox bring
each active participant the same card in their 1:1 (rendered when it goes, quiet hours as
everywhere, dropped once the poll has closed), and one reminder later to those who have not
answered. The copies carry no one's answers: in a 1:1 the card's ``refresh`` shows the person
their own, in the answer to their own invoke, as in the channel.

Who has not answered an anonymous poll is found, while it is open, through the same voter hash
that keeps one answer per person. The reminder rows record who had not answered then, so an
hour after an anonymous poll closes (time for the reminders to be updated to *closed*) they are
deleted, as its key and hashes were at the close.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.intents import enqueue_card_update, enqueue_intent
from forum.delivery.jobs import JobView, cancel_jobs, upsert_job
from forum.delivery.outbox import PersonTarget
from forum.polls.messages import POLL_ID, PURPOSE_COPY, PURPOSE_COPY_UPDATE, PURPOSE_NUDGE
from forum.polls.model import Poll, PollStatus
from forum.polls.voters import voter_hash
from storage import outbox_repository as outbox_repo
from storage import roster_repository as roster_repo
from storage.polls import repository as repo
from storage.polls.models import PollRow

logger = logging.getLogger(__name__)

NUDGE_JOB = "poll.nudge"
NUDGE_AFTER = timedelta(days=3)
"""As the check-ins' default: a reminder three days after the copies went out."""
SHORTEST_NUDGE_WAIT = timedelta(hours=6)
"""A poll that closes sooner than twice this after it is posted gets no reminder."""


FORGET_NUDGES_JOB = "poll.forget_nudges"
FORGET_NUDGES_AFTER = timedelta(hours=1)
"""Time for the reminders' *closed* updates to go, through Teams' 429s and quiet retries."""


def forget_nudges_job_key(poll_id: int) -> str:
    return f"poll:{poll_id}:forget_nudges"


def copies_prefix(poll_id: int) -> str:
    return f"poll:{poll_id}:copy:"


def nudges_prefix(poll_id: int) -> str:
    return f"poll:{poll_id}:nudge:"


def nudge_job_key(poll_id: int) -> str:
    return f"poll:{poll_id}:nudge"


def nudge_due(posted_at: datetime, closes_at: datetime | None) -> datetime | None:
    """Three days after posting, or halfway to an earlier close; None when the close is too near."""
    if closes_at is None:
        return posted_at + NUDGE_AFTER
    remaining = closes_at - posted_at
    if remaining < 2 * SHORTEST_NUDGE_WAIT:
        return None
    return posted_at + min(NUDGE_AFTER, remaining / 2)


async def queue_personal_copies(session: AsyncSession, poll: Poll, now: datetime) -> int:
    """The card to each active participant's 1:1 and the nudge planned; in the post's transaction."""
    participants = await roster_repo.participants_of(session, poll.forum_id, active_only=True)
    starts = poll.opens_at if poll.opens_at is not None and poll.opens_at > now else None
    for participant in participants:
        await _to_person(session, copies_prefix(poll.id), PURPOSE_COPY, poll, participant.person_id, now, starts)
    due = nudge_due(starts or now, poll.closes_at)
    if due is not None:
        await upsert_job(
            session, key=nudge_job_key(poll.id), forum_id=poll.forum_id, kind=NUDGE_JOB, subject_id=poll.id, due_at=due
        )
    logger.info("poll %s: %d personal copies queued", poll.id, len(participants))
    return len(participants)


async def nudge_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    """One reminder to each active participant who has not answered the still open poll."""
    if job.subject_id is None:
        return
    row = await repo.poll_by_id(session, job.subject_id)
    if row is None or row.status != PollStatus.OPEN.value:
        return
    hashes, answered = await repo.who_answered(session, row.id)
    participants = await roster_repo.participants_of(session, row.forum_id, active_only=True)
    queued = 0
    for participant in participants:
        if row.voter_key is not None:
            if voter_hash(row.voter_key, participant.person_id) in hashes:
                continue
        elif participant.id in answered:
            continue
        await _to_person(session, nudges_prefix(row.id), PURPOSE_NUDGE, row, participant.person_id, now)
        queued += 1
    logger.info("poll %s: %d reminders queued", row.id, queued)


async def close_personal_copies(session: AsyncSession, poll: Poll, now: datetime) -> None:
    """At the close: the copies and reminders that went out say *closed*; an anonymous poll's
    reminders are forgotten once those updates have had time to go (``FORGET_NUDGES_AFTER``)."""
    await cancel_jobs(session, key_prefix=nudge_job_key(poll.id))
    for prefix in (copies_prefix(poll.id), nudges_prefix(poll.id)):
        for key in await outbox_repo.sent_keys_with_prefix(session, prefix):
            await enqueue_card_update(session, card_key=key, purpose=PURPOSE_COPY_UPDATE, now=now)
    if poll.anonymous:
        await upsert_job(
            session,
            key=forget_nudges_job_key(poll.id),
            forum_id=poll.forum_id,
            kind=FORGET_NUDGES_JOB,
            subject_id=poll.id,
            due_at=now + FORGET_NUDGES_AFTER,
            now=now,
        )


async def forget_nudges_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    """Delete a closed anonymous poll's reminders and their updates: who had not answered by then."""
    if job.subject_id is None:
        return
    deleted = await outbox_repo.delete_with_prefix(session, nudges_prefix(job.subject_id))
    logger.info("poll %s: %d reminder rows forgotten", job.subject_id, deleted)


async def _to_person(
    session: AsyncSession,
    prefix: str,
    purpose: str,
    poll: Poll | PollRow,
    person_id: int,
    now: datetime,
    not_before: datetime | None = None,
) -> None:
    """One card to one person's 1:1: rendered when it goes, never in quiet hours, never after the close."""
    await enqueue_intent(
        session,
        key=f"{prefix}person:{person_id}",
        purpose=purpose,
        target=PersonTarget(person_id),
        data={POLL_ID: poll.id},
        forum_id=poll.forum_id,
        not_before=not_before,
        expires_at=poll.closes_at,
        respect_quiet_hours=True,
        now=now,
    )
