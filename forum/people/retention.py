"""How long people's data is kept: leavers' grace period and a closed forum's retention.

Why a daily job per forum (``people.retention``, a ``scheduled_job`` row like any other):
the rules depend on settings that may change (``LEAVER_RETENTION_DAYS``,
``FORUM_RETENTION_MONTHS``), so each run looks at the data as it is that day instead of
fixing a date when someone leaves. Each run schedules the next day's; a forum gets its
first one when it is registered (and at start-up, for forums from before this feature).

- A member removed from the team stops receiving anything at once (``Roster``); after the
  grace period their data is erased as if they had said "forget me", unless they rejoined.
- A forum is closed when the bot is removed from its team (a team that still has the bot is
  a forum between rounds, whose members Teams would add back at once). ``FORUM_RETENTION_MONTHS``
  after the later of its last meeting and its closing, its people's data is erased; its
  coordinators are told a month before. The forum, its museums and its programme stay:
  they name organisations only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.jobs import JobHandler, JobView, upsert_job
from forum.delivery.outbox import OutboxError, PersonTarget, enqueue_message
from forum.i18n import resolve_locale
from forum.people.erasure import ErasureReason, erase_membership
from forum.people.permissions import is_configured_coordinator
from forum.people.personal_data import PersonalDataRegistry
from forum.people.views import person_view
from storage import meeting_repository as meetings_repo
from storage import roster_repository as repo
from storage.models import ForumRow

logger = logging.getLogger(__name__)

JOB_KIND = "people.retention"
RUN_AT = time(3, 0)
"""Local time of the daily run: before anyone is at work, after the night's quiet."""
NOTICE_BEFORE = timedelta(days=30)
NOTICE_PURPOSE = "retention_notice"

NoticeRenderer = Callable[[str, str, datetime, str], dict[str, Any]]
"""(locale, forum name, erasure time, time zone) -> the activity telling a coordinator what will happen."""


@dataclass(frozen=True)
class RetentionPolicy:
    leaver_days: int = 90
    forum_months: int = 12
    configured_coordinators: Collection[str] = ()


def job_key(forum_id: int, day: date) -> str:
    return f"{JOB_KIND}:{forum_id}:{day:%Y%m%d}"


def next_run(now: datetime, time_zone: str) -> datetime:
    """The next ``RUN_AT`` in the forum's zone strictly after ``now``."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), RUN_AT, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), RUN_AT, tzinfo=zone)
    return candidate


async def ensure_retention_job(session: AsyncSession, forum: ForumRow, now: datetime) -> None:
    """Schedule the forum's next daily run (calling again the same day changes nothing)."""
    due = next_run(now, forum.time_zone)
    await upsert_job(
        session,
        key=job_key(forum.id, due.date()),
        forum_id=forum.id,
        kind=JOB_KIND,
        subject_id=None,
        due_at=due,
        now=now,
    )


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
    return moment.replace(year=year, month=month, day=day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


async def forum_erasure_time(session: AsyncSession, forum: ForumRow, policy: RetentionPolicy) -> datetime | None:
    """When the forum's people's data goes, or None while the forum is not closed."""
    if forum.active or forum.deactivated_at is None:
        return None
    last_meeting = await meetings_repo.last_meeting_end(session, forum.id)
    anchor = max(forum.deactivated_at, last_meeting) if last_meeting is not None else forum.deactivated_at
    return add_months(anchor, policy.forum_months)


def retention_job_handler(
    registry: PersonalDataRegistry, policy: RetentionPolicy, notice: NoticeRenderer
) -> JobHandler:
    """The daily run for one forum: leavers past their grace, the forum's retention, tomorrow's run."""

    async def run(session: AsyncSession, job: JobView, now: datetime) -> None:
        forum = await repo.forum_by_id(session, job.forum_id)
        if forum is None:
            return
        for membership in await repo.leavers_due(session, forum.id, now - timedelta(days=policy.leaver_days)):
            await erase_membership(session, registry, membership, reason=ErasureReason.LEAVER)
        erase_at = await forum_erasure_time(session, forum, policy)
        if erase_at is not None and now >= erase_at:
            for membership in await repo.participants_of(session, forum.id, active_only=False):
                await erase_membership(session, registry, membership, reason=ErasureReason.RETENTION)
        elif erase_at is not None and now >= erase_at - NOTICE_BEFORE:
            await _tell_coordinators(session, forum, erase_at, policy, notice)
        await ensure_retention_job(session, forum, now)

    return run


async def _tell_coordinators(
    session: AsyncSession, forum: ForumRow, erase_at: datetime, policy: RetentionPolicy, notice: NoticeRenderer
) -> None:
    day = erase_at.astimezone(ZoneInfo(forum.time_zone)).date()
    for membership in await repo.participants_of(session, forum.id, active_only=False):
        person = membership.person
        if membership.role != "coordinator" and not is_configured_coordinator(
            person_view(person), policy.configured_coordinators
        ):
            continue
        locale = resolve_locale(person.preferred_locale, person.last_seen_locale, forum.locale)
        try:
            await enqueue_message(
                session,
                key=f"{NOTICE_PURPOSE}:{forum.id}:{day:%Y%m%d}:person:{person.id}",
                purpose=NOTICE_PURPOSE,
                forum_id=forum.id,
                target=PersonTarget(person.id),
                activity=notice(locale, forum.name, erase_at, forum.time_zone),
            )
        except OutboxError as exc:
            logger.warning("retention notice for forum %s not queued: %s", forum.id, exc)
