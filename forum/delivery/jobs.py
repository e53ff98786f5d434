"""Scheduled work as data: jobs with a due time, and the dispatcher that runs them.

Why rows and not APScheduler jobs: the schedule is derived from the
programme (a meeting's reminders, a check-in round, a poll's closing), so it
must survive restarts, move when a meeting moves, and run once even with two
replicas. APScheduler only wakes :class:`JobDispatcher`; the dispatcher claims
due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and runs each job's
handler in the same transaction that marks the job done, so the outbox rows
a handler enqueues and the job's "done" commit together or not at all.

A job's ``key`` names what it is for (``meeting:5:reminder:168h``), which
makes deriving the schedule again an update, never a duplicate.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.backoff import JOB_BACKOFF, BackoffPolicy
from storage import jobs_repository as repo
from storage.models import ScheduledJobRow
from storage.types import utcnow

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class JobView:
    id: int
    key: str
    forum_id: int
    kind: str
    subject_id: int | None
    due_at: datetime


JobHandler = Callable[[AsyncSession, JobView, datetime], Awaitable[None]]
"""Does one job's work in the dispatcher's transaction: (session, job, now).

Enqueue outbox rows with the given session and do not commit; raise to
roll the job's work back and have it retried later.
"""


class UnknownJobKindError(LookupError):
    """A due job's kind has no handler in this process (a feature not wired?)."""


class JobRegistry:
    """Job kinds and their handlers; each feature registers its own kinds at start-up."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}

    def register(self, kind: str, handler: JobHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler

    def get(self, kind: str) -> JobHandler | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)


async def upsert_job(
    session: AsyncSession,
    *,
    key: str,
    forum_id: int,
    kind: str,
    subject_id: int | None,
    due_at: datetime,
    now: datetime | None = None,
) -> None:
    """Schedule ``key`` at ``due_at``: insert it, or move it; calling again changes nothing.

    - pending: ``due_at`` moves (a job backing off after a failure keeps its
      retry time when asked for a time already past: it is due anyway);
    - cancelled: re-armed as pending at ``due_at``;
    - done or failed: stays so, unless ``due_at`` moved to a time after
      ``now``: then it is re-armed (the meeting moved, remind again).
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    inserted = await repo.insert_pending_if_absent(
        session, key=key, forum_id=forum_id, kind=kind, subject_id=subject_id, due_at=due_at
    )
    if inserted:
        return
    row = await repo.job_by_key_for_update(session, key)
    if row is None:  # deleted between the two statements: the forum went away
        logger.warning("job %s vanished while being scheduled", key)
        return
    moment = now or utcnow()
    row.forum_id, row.kind, row.subject_id = forum_id, kind, subject_id
    if row.status == repo.PENDING:
        backing_off = row.attempts > 0 and row.due_at > moment >= due_at
        if not backing_off:
            row.due_at = due_at
    elif row.status == repo.CANCELLED:
        _rearm(row, due_at)
    elif row.status in (repo.DONE, repo.FAILED) and due_at != row.due_at and due_at > moment:
        _rearm(row, due_at)
    await session.flush()


def _rearm(row: ScheduledJobRow, due_at: datetime) -> None:
    row.status = repo.PENDING
    row.due_at = due_at
    row.attempts = 0
    row.last_error = None
    row.done_at = None


async def cancel_jobs(session: AsyncSession, *, key_prefix: str) -> int:
    """Cancel every pending job whose key starts with ``key_prefix``; returns how many.

    Done and failed jobs keep their history; a job running right now on
    PostgreSQL is waited for and then, being done, left alone.
    """
    if not key_prefix:
        raise ValueError("refusing to cancel every job: give a key prefix")
    return await repo.cancel_pending(session, key_prefix)


class JobDispatcher:
    """Runs due jobs, one transaction each, so one failing job never holds back the rest."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: JobRegistry,
        *,
        policy: BackoffPolicy = JOB_BACKOFF,
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._policy = policy
        self._rng = rng or random.Random()

    async def run_due(self, now: datetime, limit: int = 100) -> int:
        """Run up to ``limit`` jobs due at ``now``; returns how many finished (done)."""
        finished = 0
        tried: set[int] = set()
        for _ in range(limit):
            outcome = await self._run_next(now, tried)
            if outcome is None:
                break
            finished += outcome
        return finished

    async def _run_next(self, now: datetime, tried: set[int]) -> bool | None:
        """Claim and run one job: True done, False failed (rescheduled), None nothing due."""
        async with self._sessions() as session, session.begin():
            row = await repo.claim_next_due(session, now, tried)
            if row is None:
                return None
            tried.add(row.id)
            view = _view(row)
            attempts = row.attempts
            handler = self._registry.get(view.kind)
            try:
                if handler is None:
                    raise UnknownJobKindError(view.kind)
                # A savepoint: a failing handler's writes go, the claim and the
                # failure record stay in this transaction.
                async with session.begin_nested():
                    await handler(session, view, now)
            except Exception as exc:  # noqa: BLE001 - any handler error must stay with its job
                await self._record_failure(session, view, attempts + 1, exc, now)
                return False
            await repo.mark_done(session, view.id, now)
            logger.info("job %s (%s) done", view.key, view.kind)
            return True

    async def _record_failure(
        self, session: AsyncSession, job: JobView, attempts: int, error: Exception, now: datetime
    ) -> None:
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        if self._policy.exhausted(attempts):
            logger.error("job %s (%s) failed for good after %d attempts: %s", job.key, job.kind, attempts, message)
            retry_at = None
        else:
            retry_at = now + timedelta(seconds=self._policy.delay(attempts, rng=self._rng))
            logger.warning(
                "job %s (%s) failed (attempt %d), retry at %s: %s",
                job.key,
                job.kind,
                attempts,
                retry_at.isoformat(),
                message,
                exc_info=error,
            )
        await repo.record_failure(session, job.id, attempts=attempts, error=message, retry_at=retry_at)


def _view(row: ScheduledJobRow) -> JobView:
    return JobView(
        id=row.id,
        key=row.key,
        forum_id=row.forum_id,
        kind=row.kind,
        subject_id=row.subject_id,
        due_at=row.due_at,
    )
