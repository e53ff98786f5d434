"""Reminders and nudges: planned from the meeting, moved with it, sent in working hours, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from forum.delivery.jobs import JobDispatcher, JobRegistry
from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS, NEVER_QUIET, is_quiet
from forum.meetings.model import Meeting, MeetingStatus, draft_of
from forum.meetings.rsvp import RsvpAnswer
from forum.meetings.schedule import meeting_job_handlers, plan_jobs
from forum.meetings.service import MeetingService
from tests.forum.meetings.fixtures import (
    HELSINKI,
    NOW,
    START,
    Sessions,
    claim_rendered,
    jobs,
    member,
    outbox,
    programme,
    seed,
)
from tests.support.activities import ANNA, ERIK, KAISA, MATTI

DEADLINE = START - timedelta(days=7)


def meeting(**changes: object) -> Meeting:
    values: dict[str, object] = dict(
        id=9, forum_id=1, number=1, theme="T", description="", starts_at=START, ends_at=START + timedelta(hours=6),
        host_museum_id=None, host_museum=None, venue_address="", join_url=None, rsvp_deadline=DEADLINE,
        status=MeetingStatus.SCHEDULED, revision=1, announced_at=None, announcement_key=None,
    )  # fmt: skip
    values.update(changes)
    return Meeting(**values)  # type: ignore[arg-type]


def test_reminders_at_each_offset_and_no_nudge_before_the_card_is_posted() -> None:
    planned = {job.key: job.due_at for job in plan_jobs(meeting(), (168, 24), NOW)}
    assert planned == {
        "meeting:9:reminder:168h": START - timedelta(days=7),
        "meeting:9:reminder:24h": START - timedelta(days=1),
    }


def test_a_reminder_quiet_until_after_the_start_goes_at_the_last_allowed_moment_before() -> None:
    monday_early = datetime(2027, 1, 18, 7, 0, tzinfo=HELSINKI)  # 24 h before: Sunday 07:00, quiet till Monday 08:00
    early = meeting(starts_at=monday_early, ends_at=monday_early + timedelta(hours=6), rsvp_deadline=None)
    planned = {job.key: job.due_at for job in plan_jobs(early, (168, 24), NOW, DEFAULT_QUIET_HOURS, "Europe/Helsinki")}
    assert planned["meeting:9:reminder:24h"] == datetime(2027, 1, 15, 19, 59, tzinfo=HELSINKI)  # Friday 19:59
    assert planned["meeting:9:reminder:168h"] == monday_early - timedelta(days=7)  # Monday 07:00: waits till 08:00
    anytime = {job.key: job.due_at for job in plan_jobs(early, (24,), NOW, NEVER_QUIET, "Europe/Helsinki")}
    assert anytime["meeting:9:reminder:24h"] == monday_early - timedelta(days=1)


def test_nudge_48_hours_before_the_deadline_once_announced() -> None:
    planned = {job.key: job.due_at for job in plan_jobs(meeting(announced_at=NOW), (168, 24), NOW)}
    assert planned["meeting:9:rsvp_nudge"] == DEADLINE - timedelta(hours=48)


def test_without_deadline_the_nudge_comes_a_day_before_the_first_reminder() -> None:
    planned = {j.key: j.due_at for j in plan_jobs(meeting(announced_at=NOW, rsvp_deadline=None), (168, 24), NOW)}
    assert planned["meeting:9:rsvp_nudge"] == START - timedelta(days=8)


def test_nudge_waits_a_day_after_a_late_announcement_and_is_dropped_when_too_late() -> None:
    late = DEADLINE - timedelta(hours=60)
    planned = {j.key: j.due_at for j in plan_jobs(meeting(announced_at=late), (168, 24), late)}
    assert planned["meeting:9:rsvp_nudge"] == late + timedelta(hours=24)
    too_late = DEADLINE - timedelta(hours=10)
    assert "meeting:9:rsvp_nudge" not in {j.key for j in plan_jobs(meeting(announced_at=too_late), (168, 24), too_late)}


def test_past_due_times_cancelled_or_started_meetings_plan_nothing_more() -> None:
    three_days_before = START - timedelta(days=3)
    assert [j.key for j in plan_jobs(meeting(), (168, 24), three_days_before)] == ["meeting:9:reminder:24h"]
    assert plan_jobs(meeting(status=MeetingStatus.CANCELLED), (168, 24), NOW) == []
    assert plan_jobs(meeting(), (168, 24), START) == []


async def test_moving_a_meeting_moves_its_jobs_and_cancelling_cancels_them(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    kaisa = await seeded.actor(KAISA)
    current = await service.by_number(seeded.forum_id, 1)
    before = await jobs(sessions)
    moved = replace(
        draft_of(current), starts_at=START + timedelta(days=14), ends_at=START + timedelta(days=14, hours=6)
    )
    await service.edit(kaisa, current.id, moved)
    after = await jobs(sessions)
    assert set(after) == set(before)
    for key in before:
        assert after[key].due_at - before[key].due_at == timedelta(days=14)
        assert after[key].status == "pending"

    await service.cancel(kaisa, current.id)
    assert {row.status for row in (await jobs(sessions)).values()} == {"cancelled"}


async def test_due_reminders_go_to_the_channel_once_each(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    dispatcher = JobDispatcher(sessions, registry_for())
    week_before, day_before = START - timedelta(days=7), START - timedelta(days=1)

    assert await dispatcher.run_due(week_before) == 1
    assert await dispatcher.run_due(week_before + timedelta(hours=1)) == 0
    assert await dispatcher.run_due(day_before) == 1
    reminders = [row for row in await outbox(sessions) if row.purpose == "meeting_reminder"]
    assert [row.idempotency_key.split(":")[3] for row in reminders] == ["168h", "24h"]
    assert all(row.conversation_reference and row.recipient_person_id is None for row in reminders)
    assert all(row.expires_at == START for row in reminders)  # never after the meeting's start
    rendered = await claim_rendered(sessions, seeded.renderer, day_before)
    assert sorted(message.activity["text"] for message in rendered) == ["reminder 1 168h", "reminder 1 24h"]


def registry_for() -> JobRegistry:
    registry = JobRegistry()
    for kind, handler in meeting_job_handlers().items():
        registry.register(kind, handler)
    return registry


async def test_reminder_due_on_a_weekend_waits_for_monday_morning(sessions: Sessions) -> None:
    monday = datetime(2027, 1, 18, 9, 0, tzinfo=HELSINKI)  # a Monday meeting: 24 h before is Sunday 9.00
    seeded = await seed(sessions, text=programme(monday))
    sunday = monday - timedelta(days=1)
    await JobDispatcher(sessions, registry_for()).run_due(sunday)
    assert await claim_rendered(sessions, seeded.renderer, sunday) == []  # quiet: held, not tried
    [late] = [row for row in await outbox(sessions) if row.idempotency_key.startswith("meeting:1:reminder:24h")]
    assert late.status == "pending" and late.attempts == 0
    local = late.next_attempt_at.astimezone(HELSINKI)
    assert not is_quiet(late.next_attempt_at, "Europe/Helsinki")
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)


async def test_nudge_goes_to_each_member_without_an_answer_once(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    current = await service.by_number(seeded.forum_id, 1)
    await service.post(await seeded.actor(KAISA), current.id)
    await service.answer(await seeded.actor(MATTI), current.id, RsvpAnswer.ON_SITE)
    dispatcher = JobDispatcher(sessions, registry_for())
    nudge_due = DEADLINE - timedelta(hours=48)
    await dispatcher.run_due(nudge_due)
    nudges = [row for row in await outbox(sessions) if row.purpose == "rsvp_nudge"]
    matti = (await seeded.actor(MATTI)).person.id
    erik = (await seeded.actor(ERIK)).person.id
    recipients = {row.recipient_person_id for row in nudges}
    assert matti not in recipients and erik in recipients
    assert len(recipients) == len(nudges) == 4  # five members, one answered
    assert all(row.idempotency_key.startswith(f"meeting:{current.id}:rsvp_nudge:person:") for row in nudges)
    assert all(row.expires_at == DEADLINE and row.respect_quiet_hours for row in nudges)

    await seeded.roster.set_preferred_locale(member(ANNA), "sv")
    await service.answer(await seeded.actor(ERIK), current.id, RsvpAnswer.ONLINE)  # answered meanwhile
    rendered = await claim_rendered(sessions, seeded.renderer, nudge_due)
    texts = {m.reader.person_id: m.activity["text"] for m in rendered if m.purpose == "rsvp_nudge" and m.reader}
    assert erik not in texts and len(texts) == 3  # rendered when sent: Erik's answer came first
    assert texts[(await seeded.actor(ANNA)).person.id] == "nudge 1 sv"  # in the reader's language, now
    assert {row.status for row in await outbox(sessions) if row.recipient_person_id == erik} == {"dropped"}
    await service.cancel(await seeded.actor(KAISA), current.id)
    assert await dispatcher.run_due(nudge_due + timedelta(days=1)) == 0  # nothing more after a cancellation
