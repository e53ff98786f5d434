"""Group commit of send outcomes: batched, retried through outages, never leaving a waiter hanging."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.delivery.outcome_writer import OutcomeWriter
from forum.delivery.outbox_delivery import Outcome, Retry, Sent

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class RecordingDelivery:
    def __init__(self, failures: int = 0, bug: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.failures = failures
        self.bug = bug

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        await asyncio.sleep(0)
        if self.bug:
            raise KeyError("a bug")
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("UPDATE", {}, ConnectionResetError("gone"))
        self.batches.append([o.message_id for o in outcomes if isinstance(o, Sent | Retry)])


def sent(message_id: int) -> Sent:
    return Sent(message_id=message_id, at=NOW, activity_id="a", conversation_id="c", reference=None)


def retry(message_id: int) -> Retry:
    return Retry(message_id=message_id, status_code=503, error="HTTP 503", retry_at=NOW)


async def no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


def writer(delivery: Any, attempts: int = 3) -> OutcomeWriter:
    return OutcomeWriter(delivery, attempts=attempts, retry_seconds=0.0, sleep=no_sleep)


async def test_failures_arriving_together_share_one_commit() -> None:
    delivery = RecordingDelivery()
    out = writer(delivery)
    results = await asyncio.gather(*(out.write(retry(i)) for i in range(10)))
    assert all(results)
    assert sorted(i for batch in delivery.batches for i in batch) == list(range(10))
    assert len(delivery.batches) < 10


async def test_each_delivery_is_committed_on_its_own_at_once() -> None:
    delivery = RecordingDelivery()
    out = writer(delivery)
    results = await asyncio.gather(*(out.write(sent(i)) for i in range(10)), out.write(retry(99)))
    assert all(results)
    assert sorted(batch for batch in delivery.batches if batch != [99]) == [[i] for i in range(10)]


async def test_a_short_outage_is_retried_a_long_one_reported() -> None:
    delivery = RecordingDelivery(failures=2)
    assert await writer(delivery, attempts=3).write(sent(1)) is True
    delivery = RecordingDelivery(failures=5)
    assert await writer(delivery, attempts=3).write(sent(1)) is False


async def test_a_bug_reaches_every_waiter() -> None:
    out = writer(RecordingDelivery(bug=True))
    results = await asyncio.gather(out.write(retry(1)), out.write(retry(2)), return_exceptions=True)
    assert all(isinstance(r, KeyError) for r in results)
    with pytest.raises(KeyError):
        await out.write(sent(3))
