"""Scheduled jobs: upsert and cancel by key, claim, and one transaction per job."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.jobs import JobDispatcher, JobRegistry, JobView, cancel_jobs, upsert_job
from forum.delivery.outbox import ChannelTarget, enqueue_message
from storage.models import OutboxMessageRow, ScheduledJobRow
from tests.support.outbox import START, seed_forum

Sessions = async_sessionmaker[AsyncSession]


async def schedule(sessions: Sessions, key: str, forum_id: int, due_at: datetime, kind: str = "ping") -> None:
    async with sessions() as session, session.begin():
        await upsert_job(session, key=key, forum_id=forum_id, kind=kind, subject_id=7, due_at=due_at, now=START)


async def job(sessions: Sessions, key: str) -> ScheduledJobRow:
    async with sessions() as session:
        found = await session.scalar(select(ScheduledJobRow).where(ScheduledJobRow.key == key))
        assert found is not None
        return found


async def outbox_keys(sessions: Sessions) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(select(OutboxMessageRow.idempotency_key))).all())


def announcing(forum_id: int, calls: list[str], fail_keys: frozenset[str] = frozenset()) -> Any:
    """A handler that enqueues a channel message, then fails for ``fail_keys``."""

    async def handler(session: AsyncSession, view: JobView, now: datetime) -> None:
        calls.append(view.key)
        await enqueue_message(
            session,
            key=f"msg:{view.key}",
            purpose="test",
            forum_id=forum_id,
            target=ChannelTarget(forum_id),
            activity={"type": "message", "text": view.key},
            now=now,
        )
        if view.key in fail_keys:
            raise RuntimeError(f"{view.key} broke")

    return handler


async def test_upsert_inserts_once_and_moves_a_pending_job(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    await schedule(sessions, "meeting:1:reminder:24h", forum_id, START + timedelta(hours=1))
    await schedule(sessions, "meeting:1:reminder:24h", forum_id, START + timedelta(hours=1))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ScheduledJobRow)) == 1
    await schedule(sessions, "meeting:1:reminder:24h", forum_id, START + timedelta(hours=3))
    moved = await job(sessions, "meeting:1:reminder:24h")
    assert moved.status == "pending" and moved.due_at == START + timedelta(hours=3) and moved.subject_id == 7


async def test_cancel_by_prefix_touches_only_pending_jobs_with_that_prefix(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    for key in ("meeting:1:reminder:168h", "meeting:1:reminder:24h", "meeting:10:reminder:24h", "meeting_1_x"):
        await schedule(sessions, key, forum_id, START + timedelta(days=2))
    async with sessions() as session, session.begin():
        assert await cancel_jobs(session, key_prefix="meeting:1:") == 2
    assert (await job(sessions, "meeting:1:reminder:24h")).status == "cancelled"
    assert (await job(sessions, "meeting:10:reminder:24h")).status == "pending"
    assert (await job(sessions, "meeting_1_x")).status == "pending"  # "_" is not a LIKE wildcard here
    # Cancelled jobs come back when the schedule is derived again.
    await schedule(sessions, "meeting:1:reminder:24h", forum_id, START + timedelta(days=3))
    rearmed = await job(sessions, "meeting:1:reminder:24h")
    assert rearmed.status == "pending" and rearmed.due_at == START + timedelta(days=3)
    with pytest.raises(ValueError):
        async with sessions() as session:
            await cancel_jobs(session, key_prefix="")


async def test_done_job_stays_done_unless_moved_into_the_future(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    registry = JobRegistry()
    calls: list[str] = []
    registry.register("ping", announcing(forum_id, calls))
    dispatcher = JobDispatcher(sessions, registry)
    await schedule(sessions, "k", forum_id, START - timedelta(minutes=1))
    assert await dispatcher.run_due(START) == 1
    await schedule(sessions, "k", forum_id, START - timedelta(minutes=1))  # same time: stays done
    await schedule(sessions, "k", forum_id, START - timedelta(hours=5))  # moved, but into the past
    assert (await job(sessions, "k")).status == "done"
    assert await dispatcher.run_due(START) == 0
    await schedule(sessions, "k", forum_id, START + timedelta(days=1))  # the meeting moved: remind again
    rearmed = await job(sessions, "k")
    assert rearmed.status == "pending" and rearmed.done_at is None
    assert await dispatcher.run_due(START + timedelta(days=1)) == 1
    assert calls == ["k", "k"]


async def test_handler_runs_in_the_jobs_transaction_and_a_failure_rolls_back_only_that_job(
    sessions: Sessions,
) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    registry = JobRegistry()
    calls: list[str] = []
    registry.register("ping", announcing(forum_id, calls, fail_keys=frozenset({"bad"})))
    dispatcher = JobDispatcher(sessions, registry)
    await schedule(sessions, "bad", forum_id, START - timedelta(minutes=2))
    await schedule(sessions, "good", forum_id, START - timedelta(minutes=1))
    await schedule(sessions, "later", forum_id, START + timedelta(hours=1))

    assert await dispatcher.run_due(START) == 1
    assert calls == ["bad", "good"]
    assert await outbox_keys(sessions) == {"msg:good"}  # the failed job's enqueue was rolled back
    good, bad, later = [await job(sessions, k) for k in ("good", "bad", "later")]
    assert good.status == "done" and good.done_at == START
    assert bad.status == "pending" and bad.attempts == 1 and "RuntimeError: bad broke" in (bad.last_error or "")
    assert bad.due_at > START  # backing off
    assert later.status == "pending" and later.attempts == 0

    # Deriving the schedule again while it backs off does not make it due at once.
    await schedule(sessions, "bad", forum_id, START - timedelta(minutes=2))
    assert (await job(sessions, "bad")).due_at > START


async def test_a_job_that_keeps_failing_ends_failed_after_five_attempts(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    registry = JobRegistry()
    calls: list[str] = []
    registry.register("ping", announcing(forum_id, calls, fail_keys=frozenset({"bad"})))
    dispatcher = JobDispatcher(sessions, registry)
    await schedule(sessions, "bad", forum_id, START)
    now = START
    for _ in range(10):
        await dispatcher.run_due(now)
        row = await job(sessions, "bad")
        if row.status != "pending":
            break
        now = row.due_at
    assert row.status == "failed" and row.attempts == 5 and len(calls) == 5
    assert await outbox_keys(sessions) == set()


async def test_a_kind_without_handler_is_recorded_not_lost(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    await schedule(sessions, "orphan", forum_id, START, kind="not_wired")
    assert await JobDispatcher(sessions, JobRegistry()).run_due(START) == 0
    orphan = await job(sessions, "orphan")
    assert orphan.status == "pending" and orphan.attempts == 1
    assert "UnknownJobKindError" in (orphan.last_error or "")


async def test_registry_refuses_a_kind_twice() -> None:
    registry = JobRegistry()

    async def handler(session: AsyncSession, view: JobView, now: datetime) -> None:
        return None

    registry.register("ping", handler)
    with pytest.raises(ValueError):
        registry.register("ping", handler)
    assert registry.kinds == {"ping"}


async def test_two_dispatchers_at_once_run_each_job_exactly_once(sessions: Sessions) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:1/")
    calls: list[str] = []
    registry = JobRegistry()
    handler = announcing(forum_id, calls)

    async def slow(session: AsyncSession, view: JobView, now: datetime) -> None:
        await asyncio.sleep(0.005)  # hold the claim while the other dispatcher looks
        await handler(session, view, now)

    registry.register("ping", slow)
    for index in range(12):
        await schedule(sessions, f"job:{index}", forum_id, START - timedelta(seconds=index))
    first, second = JobDispatcher(sessions, registry), JobDispatcher(sessions, registry)
    done = await asyncio.gather(first.run_due(START), second.run_due(START))
    assert sum(done) == 12
    assert sorted(calls) == sorted(f"job:{i}" for i in range(12))
    assert len(await outbox_keys(sessions)) == 12
