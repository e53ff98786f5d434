"""What is waiting to go out, counted for operators (``/metrics``): two aggregate queries.

Why aggregates and not rows: a scrape every 15 s must cost the database the same whether the
outbox holds ten rows or ten thousand (both filters use the ``status`` indexes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import jobs_repository as jobs
from storage import outbox_repository as outbox
from storage.models import OutboxMessageRow, ScheduledJobRow


@dataclass(frozen=True)
class Backlog:
    outbox_depth: int
    """Rows not yet final: waiting (quiet hours, backoff) or being sent."""
    oldest_due_age_seconds: float
    """How long the oldest row that could go now has waited; 0 when none is due."""
    jobs_due: int
    jobs_late: int
    """Due longer ago than ``late_after``: the dispatcher should have run them by now."""


async def read_backlog(session: AsyncSession, now: datetime, late_after: timedelta) -> Backlog:
    row = OutboxMessageRow
    depth, oldest = (
        await session.execute(
            select(
                func.count(row.id),
                func.min(case((row.status == outbox.PENDING, row.next_attempt_at), else_=None)),
            ).where(row.status.in_((outbox.PENDING, outbox.SENDING)))
        )
    ).one()
    job = ScheduledJobRow
    due, late = (
        await session.execute(
            select(
                func.count(job.id),
                func.count(case((job.due_at <= now - late_after, job.id), else_=None)),
            ).where(job.status == jobs.PENDING, job.due_at <= now)
        )
    ).one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Backlog(outbox_depth=int(depth), oldest_due_age_seconds=age, jobs_due=int(due), jobs_late=int(late))
