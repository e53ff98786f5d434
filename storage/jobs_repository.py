"""SQL for scheduled jobs: upsert by key, cancel by key prefix, claim the next due one.

Functions take the caller's session, so a job's handler, the outbox rows it
enqueues and the job's "done" all commit in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduledJobRow
from storage.types import utcnow

PENDING = "pending"
DONE = "done"
CANCELLED = "cancelled"
FAILED = "failed"


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def insert_pending_if_absent(
    session: AsyncSession, *, key: str, forum_id: int, kind: str, subject_id: int | None, due_at: datetime
) -> bool:
    """Insert a pending job unless ``key`` exists; True when this call inserted it.

    ``ON CONFLICT DO NOTHING`` rather than check-then-insert: two requests
    deriving the same schedule at once must not fail on the unique key.
    """
    now = utcnow()
    values = {
        "key": key,
        "forum_id": forum_id,
        "kind": kind,
        "subject_id": subject_id,
        "due_at": due_at,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    dialect = postgresql if is_postgres(session) else sqlite
    statement = dialect.insert(ScheduledJobRow).values(**values).on_conflict_do_nothing(index_elements=["key"])
    return _rowcount(await session.execute(statement)) > 0


async def job_by_key_for_update(session: AsyncSession, key: str) -> ScheduledJobRow | None:
    """The row, locked on PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already serialises writers)."""
    statement = select(ScheduledJobRow).where(ScheduledJobRow.key == key).execution_options(populate_existing=True)
    if is_postgres(session):
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def cancel_pending(session: AsyncSession, key_prefix: str) -> int:
    result = await session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.status == PENDING, ScheduledJobRow.key.startswith(key_prefix, autoescape=True))
        .values(status=CANCELLED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def claim_next_due(session: AsyncSession, now: datetime, skip_ids: set[int]) -> ScheduledJobRow | None:
    """The earliest due pending job, row-locked so no other dispatcher runs it meanwhile.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so replicas take different jobs.
    SQLite has one writer at a time (``BEGIN IMMEDIATE``): a plain select is
    enough. ``skip_ids`` are jobs this run already tried.
    """
    statement = (
        select(ScheduledJobRow)
        .where(ScheduledJobRow.status == PENDING, ScheduledJobRow.due_at <= now)
        .order_by(ScheduledJobRow.due_at, ScheduledJobRow.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if skip_ids:
        statement = statement.where(ScheduledJobRow.id.not_in(skip_ids))
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True)
    return await session.scalar(statement)


async def mark_done(session: AsyncSession, job_id: int, now: datetime) -> None:
    await session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.id == job_id)
        .values(status=DONE, done_at=now, last_error=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def record_failure(
    session: AsyncSession, job_id: int, *, attempts: int, error: str, retry_at: datetime | None
) -> None:
    """Count a failed run: back to pending at ``retry_at``, or failed for good when None."""
    values: dict[str, object] = {"attempts": attempts, "last_error": error, "updated_at": utcnow()}
    if retry_at is None:
        values["status"] = FAILED
    else:
        values["due_at"] = retry_at
    await session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.id == job_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _rowcount(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0
