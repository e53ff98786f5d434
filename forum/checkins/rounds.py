"""Rounds as rows and scheduled jobs, derived from the programme; opening, nudging, closing.

Why derived with stable keys (``meeting:<id>:<n>``): the meetings wing calls
:func:`sync_rounds` after every programme change (``forum.meetings.hooks``), so an edited
meeting moves its rounds, a cancelled one merges its rounds into the next meeting's, and
deriving twice changes nothing. A round that has opened is never re-planned, only its
closing moves (its answers stay in it).

Each round has jobs ``checkin:round:<id>:open``, ``:nudge:<n>`` and ``:close``; a
meeting has ``checkin:meeting:<id>:digest``. Their handlers run in the dispatcher's
transaction and queue outbox intents (rendered when sent, in the reader's language,
``forum.checkins.messages``), which wait for the end of quiet hours and expire when the
round closes.
"""

from __future__ import annotations

import itertools
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.calendar import MeetingSlot, PlannedRound, RoundPolicy, plan_rounds
from forum.checkins.model import NoRoundError, RoundView
from forum.delivery.intents import enqueue_intent
from forum.delivery.jobs import JobHandler, JobView, cancel_jobs, upsert_job
from forum.delivery.outbox import ChannelTarget, PersonTarget
from forum.meetings.model import list_meetings
from storage import roster_repository as roster_repo
from storage.checkins import repository as repo
from storage.checkins.models import CheckinRoundRow, CheckinSettingsRow

logger = logging.getLogger(__name__)

KIND_OPEN = "checkin_round_open"
KIND_NUDGE = "checkin_nudge"
KIND_CLOSE = "checkin_round_close"
KIND_DIGEST = "checkin_digest"
PURPOSE_PROMPT = "checkin_prompt"
PURPOSE_NUDGE = "checkin_nudge"
PURPOSE_SILENT = "checkin_silent_museum"
PURPOSE_DIGEST = "checkin_digest"
PURPOSE_DIGEST_UPDATE = "checkin_digest_update"
DIGEST_BEFORE = timedelta(days=3)
MANUAL_ROUND_DAYS = 14
"""A round opened by hand with no meeting ahead stays open this long."""
ROUND_ID = "round_id"
MEETING_ID = "meeting_id"
NUDGE = "nudge"


def policy_of(row: CheckinSettingsRow | None) -> RoundPolicy:
    if row is None:
        return RoundPolicy()
    return RoundPolicy(
        offsets=tuple(row.round_offsets) or RoundPolicy().offsets,
        nudge_after_days=row.nudge_after_days,
        max_nudges=row.max_nudges,
        skip_holidays=row.skip_holidays,
        blocked_months=frozenset(int(m) for m in row.blocked_months),
    )


async def settings_row(session: AsyncSession, forum_id: int) -> CheckinSettingsRow:
    """The forum's rules row, made with the defaults when the forum has none yet (to be changed)."""
    row = await repo.settings_of(session, forum_id)
    if row is None:
        defaults = RoundPolicy()
        row = CheckinSettingsRow(
            forum_id=forum_id,
            round_offsets=list(defaults.offsets),
            nudge_after_days=defaults.nudge_after_days,
            max_nudges=defaults.max_nudges,
            skip_holidays=defaults.skip_holidays,
            blocked_months=sorted(defaults.blocked_months),
            pair_rotation=0,
        )
        session.add(row)
    return row


def round_view(row: CheckinRoundRow, meeting_number: int | None = None) -> RoundView:
    return RoundView(
        id=row.id,
        forum_id=row.forum_id,
        meeting_id=row.meeting_id,
        meeting_number=meeting_number,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        opened_at=row.opened_at,
        manual=row.manual,
    )


def round_job_prefix(round_id: int) -> str:
    return f"checkin:round:{round_id}:"


def digest_job_key(meeting_id: int) -> str:
    return f"checkin:meeting:{meeting_id}:digest"


def digest_card_key(meeting_id: int) -> str:
    return f"checkin:meeting:{meeting_id}:digest:card"


def prompt_key(round_id: int, person_id: int) -> str:
    return f"checkin:round:{round_id}:prompt:person:{person_id}"


async def _slots(session: AsyncSession, forum_id: int) -> list[MeetingSlot]:
    return [
        MeetingSlot(m.id, m.number, m.starts_at, m.ends_at)
        for m in await list_meetings(session, forum_id)
        if not m.is_cancelled
    ]


async def sync_rounds(session: AsyncSession, forum_id: int, now: datetime) -> list[PlannedRound]:
    """Make the forum's rounds and their jobs follow its programme (the programme hook)."""
    forum = await roster_repo.forum_by_id(session, forum_id)
    if forum is None:
        return []
    policy = policy_of(await repo.settings_of(session, forum_id))
    slots = await _slots(session, forum_id)
    planned = plan_rounds(slots, policy, forum.time_zone)
    existing = {row.key: row for row in await repo.rounds_of(session, forum_id, with_cancelled=True)}
    planned_keys = {p.key for p in planned}
    for plan in planned:
        row = existing.get(plan.key)
        if row is None:
            if plan.closes_at <= now:
                continue  # a round entirely in the past: nothing to ask any more
            row = CheckinRoundRow(
                forum_id=forum_id,
                key=plan.key,
                meeting_id=plan.meeting_id,
                opens_at=plan.opens_at,
                closes_at=plan.closes_at,
                manual=False,
                cancelled=False,
            )
            session.add(row)
            await session.flush()
        else:
            row.meeting_id = plan.meeting_id
            row.cancelled = False
            if row.opened_at is None:
                row.opens_at, row.closes_at = plan.opens_at, plan.closes_at
            elif row.closes_at > now:
                row.closes_at = max(plan.closes_at, now)
        await _schedule(session, row, policy, now)
    upcoming = sorted((p for p in planned if p.opens_at > now), key=lambda p: p.opens_at)
    for key, row in existing.items():
        if key in planned_keys or row.manual or row.cancelled:
            continue
        if row.opened_at is None:
            row.cancelled = True
            await cancel_jobs(session, key_prefix=round_job_prefix(row.id))
        elif row.closes_at > now:
            # Its meeting was cancelled: the round runs on into the next meeting's first round.
            if upcoming:
                row.closes_at, row.meeting_id = upcoming[0].opens_at, upcoming[0].meeting_id
            await _schedule(session, row, policy, now)
    await _sync_digests(session, forum_id, slots, now)
    await session.flush()
    logger.info("forum %s: %d check-in rounds planned", forum_id, len(planned))
    return planned


async def _schedule(session: AsyncSession, row: CheckinRoundRow, policy: RoundPolicy, now: datetime) -> None:
    prefix = round_job_prefix(row.id)
    await cancel_jobs(session, key_prefix=prefix)
    if row.cancelled or row.closes_at <= now:
        return
    if row.opened_at is None:
        await upsert_job(
            session,
            key=f"{prefix}open",
            forum_id=row.forum_id,
            kind=KIND_OPEN,
            subject_id=row.id,
            due_at=row.opens_at,
            now=now,
        )
    start = row.opened_at or row.opens_at
    for number in range(1, policy.max_nudges + 1):
        due = start + timedelta(days=policy.nudge_after_days * number)
        if due < row.closes_at:
            await upsert_job(
                session,
                key=f"{prefix}nudge:{number}",
                forum_id=row.forum_id,
                kind=KIND_NUDGE,
                subject_id=row.id,
                due_at=max(due, now) if row.opened_at else due,
                now=now,
            )
    await upsert_job(
        session,
        key=f"{prefix}close",
        forum_id=row.forum_id,
        kind=KIND_CLOSE,
        subject_id=row.id,
        due_at=row.closes_at,
        now=now,
    )


async def _sync_digests(session: AsyncSession, forum_id: int, slots: list[MeetingSlot], now: datetime) -> None:
    ordered = sorted(slots, key=lambda slot: slot.starts_at)
    for previous, upcoming in itertools.pairwise(ordered):
        due = max(upcoming.starts_at - DIGEST_BEFORE, previous.ends_at)
        if upcoming.starts_at > now:
            await upsert_job(
                session,
                key=digest_job_key(upcoming.meeting_id),
                forum_id=forum_id,
                kind=KIND_DIGEST,
                subject_id=upcoming.meeting_id,
                due_at=due,
                now=now,
            )


# --- opening by hand ------------------------------------------------------------


async def open_round_now(session: AsyncSession, forum_id: int, now: datetime) -> tuple[RoundView, bool]:
    """A coordinator's ``checkin open``: the open round (False), or a new one opened now (True).

    The new round closes when the next planned round opens, or at the next meeting, or
    after two weeks; the planned rounds it overlaps wait. Its prompts are queued in this
    transaction and still wait for the end of quiet hours.
    """
    current = await repo.open_rounds(session, forum_id, now)
    if current:
        return round_view(current[0]), False
    upcoming = await repo.next_round_after(session, forum_id, now)
    closes = upcoming.opens_at if upcoming is not None and upcoming.opened_at is None else None
    if closes is None or closes <= now:
        slots = [slot for slot in await _slots(session, forum_id) if slot.starts_at > now]
        closes = slots[0].starts_at if slots else now + timedelta(days=MANUAL_ROUND_DAYS)
    row = CheckinRoundRow(
        forum_id=forum_id,
        key=f"manual:{now:%Y%m%dT%H%M%S%f}",
        meeting_id=upcoming.meeting_id if upcoming is not None else None,
        opens_at=now,
        closes_at=closes,
        manual=True,
        cancelled=False,
    )
    session.add(row)
    await session.flush()
    await _open(session, row, now)
    await _schedule(session, row, policy_of(await repo.settings_of(session, forum_id)), now)
    return round_view(row), True


async def _open(session: AsyncSession, row: CheckinRoundRow, now: datetime) -> int:
    """Mark the round open (closing any other open one) and queue a prompt to each active member."""
    for other in await repo.open_rounds(session, row.forum_id, now):
        if other.id != row.id:
            other.closes_at = now
            await cancel_jobs(session, key_prefix=round_job_prefix(other.id))
    row.opened_at = now
    participants = await roster_repo.participants_of(session, row.forum_id, active_only=True)
    settings = await repo.people_settings(session, [p.id for p in participants])
    queued = 0
    for participant in participants:
        prefs = settings.get(participant.id)
        if prefs is not None and prefs.away_until is not None and prefs.away_until > now:
            continue
        await enqueue_intent(
            session,
            key=prompt_key(row.id, participant.person_id),
            purpose=PURPOSE_PROMPT,
            target=PersonTarget(participant.person_id),
            data={ROUND_ID: row.id},
            forum_id=row.forum_id,
            expires_at=row.closes_at,
            respect_quiet_hours=True,
            now=now,
        )
        queued += 1
    logger.info("check-in round %s opened in forum %s: %d prompts queued", row.id, row.forum_id, queued)
    return queued


async def current_or_next_round(session: AsyncSession, forum_id: int, now: datetime) -> CheckinRoundRow:
    """The round an answer given now belongs to: the open one, else the next one."""
    current = await repo.open_rounds(session, forum_id, now)
    if current:
        return current[0]
    upcoming = await repo.next_round_after(session, forum_id, now)
    if upcoming is None:
        raise NoRoundError(forum_id)
    return upcoming


async def last_closed_round(session: AsyncSession, forum_id: int, now: datetime) -> CheckinRoundRow | None:
    """The round that closed last: where a late answer stays when no round follows it.

    Only asked for on that rare path (after the programme's last meeting), so it reads the
    forum's rounds rather than adding a query of its own.
    """
    closed = [r for r in await repo.rounds_of(session, forum_id) if r.opened_at is not None and r.closes_at <= now]
    return max(closed, key=lambda r: (r.closes_at, r.id)) if closed else None


# --- job handlers ------------------------------------------------------------------


async def _live_round(session: AsyncSession, job: JobView, now: datetime) -> CheckinRoundRow | None:
    row = await repo.round_by_id(session, job.subject_id) if job.subject_id is not None else None
    if row is None or row.cancelled:
        logger.info("job %s: round gone or cancelled", job.key)
        return None
    return row


async def open_round_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    row = await _live_round(session, job, now)
    if row is None or row.opened_at is not None or row.closes_at <= now:
        return
    await _open(session, row, now)


async def nudge_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    """One friendly 1:1 reminder to each who has not answered, whose museum has not either."""
    row = await _live_round(session, job, now)
    if row is None or row.opened_at is None or row.closes_at <= now:
        return
    number = job.key.rsplit(":", 1)[-1]
    answered_people = await repo.participants_answered(session, row.id)
    answered_museums = await repo.museums_answered(session, row.id)
    participants = await roster_repo.participants_of(session, row.forum_id, active_only=True)
    settings = await repo.people_settings(session, [p.id for p in participants])
    for participant in participants:
        prefs = settings.get(participant.id)
        if participant.id in answered_people or (participant.museum_id in answered_museums):
            continue
        if prefs is not None and (prefs.muted or (prefs.away_until is not None and prefs.away_until > now)):
            continue
        await enqueue_intent(
            session,
            key=f"checkin:round:{row.id}:nudge:{number}:person:{participant.person_id}",
            purpose=PURPOSE_NUDGE,
            target=PersonTarget(participant.person_id),
            data={ROUND_ID: row.id, NUDGE: number},
            forum_id=row.forum_id,
            expires_at=row.closes_at,
            respect_quiet_hours=True,
            now=now,
        )


async def close_round_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    """At the close: museums silent for two rounds in a row are flagged to coordinators, once."""
    row = await _live_round(session, job, now)
    if row is None or row.opened_at is None:
        return
    rounds = [
        r for r in await repo.rounds_of(session, row.forum_id) if r.opened_at is not None and r.opens_at <= row.opens_at
    ]
    if len(rounds) < 2:
        return
    answered = {r.id: await repo.museums_answered(session, r.id) for r in rounds}
    participants = await roster_repo.participants_of(session, row.forum_id, active_only=True)
    coordinators = [p for p in participants if p.role == "coordinator"]
    for museum in await roster_repo.museums_of(session, row.forum_id):
        streak: list[CheckinRoundRow] = []
        for r in reversed(rounds):
            if museum.id in answered[r.id]:
                break
            streak.append(r)
        if len(streak) < 2:
            continue
        first_silent = streak[-1]
        for coordinator in coordinators:
            await enqueue_intent(
                session,
                key=f"checkin:silent:museum:{museum.id}:from:{first_silent.id}:person:{coordinator.person_id}",
                purpose=PURPOSE_SILENT,
                target=PersonTarget(coordinator.person_id),
                data={"museum_id": museum.id, "rounds": len(streak)},
                forum_id=row.forum_id,
                respect_quiet_hours=True,
                now=now,
            )


async def digest_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    meeting_id = job.subject_id
    if meeting_id is None:
        return
    slots = await _slots(session, job.forum_id)
    meeting = next((slot for slot in slots if slot.meeting_id == meeting_id), None)
    if meeting is None or meeting.starts_at <= now:
        return
    await enqueue_intent(
        session,
        key=digest_card_key(meeting_id),
        purpose=PURPOSE_DIGEST,
        target=ChannelTarget(job.forum_id),
        data={MEETING_ID: meeting_id},
        forum_id=job.forum_id,
        expires_at=meeting.starts_at,
        respect_quiet_hours=True,
        now=now,
    )


def checkin_job_handlers() -> dict[str, JobHandler]:
    return {KIND_OPEN: open_round_job, KIND_NUDGE: nudge_job, KIND_CLOSE: close_round_job, KIND_DIGEST: digest_job}


async def rounds_with_numbers(session: AsyncSession, forum_id: int) -> list[RoundView]:
    """The forum's rounds, each with the number of the meeting it leads to."""
    numbers = {m.id: m.number for m in await list_meetings(session, forum_id)}
    return [round_view(r, numbers.get(r.meeting_id or -1)) for r in await repo.rounds_of(session, forum_id)]
