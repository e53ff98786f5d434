"""Writes send outcomes, retrying through short database outages.

A delivery (``Sent``) is committed on its own, at once, right after Teams
accepted it: it never waits behind a group write in flight, so a kill can
repeat only the sends that were in flight, not those already accepted.
Failures, retries and releases are cheaper to lose (the row is tried again)
and use group commit: outcomes that arrive while a write is in flight are
written together in the next one. Nothing waits on a timer.

Commits from this process take turns (an asyncio lock): on SQLite a dozen
concurrent writers would otherwise meet the database's write lock and its busy
handler's growing sleeps, which turned a 40/s fan-out into seconds per commit;
one after the other, each takes a millisecond or two. The wait for one's turn
is noted as queueing (``note_wait``), so the worker does not mistake it for the
time a send needs and put more sends in flight, which would only lengthen the queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.delivery.limiter import note_wait
from forum.delivery.outbox_delivery import OutboxDelivery, Outcome, Sent

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (SQLAlchemyError, OSError)


class OutcomeWriter:
    def __init__(
        self,
        delivery: OutboxDelivery,
        *,
        attempts: int,
        retry_seconds: float,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._delivery = delivery
        self._attempts = attempts
        self._retry_seconds = retry_seconds
        self._sleep = sleep
        self._queue: list[tuple[Outcome, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._turn = asyncio.Lock()

    async def write(self, outcome: Outcome) -> bool:
        """True once ``outcome`` is committed; False when the database stayed away."""
        if isinstance(outcome, Sent):
            return await self._commit([outcome])
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                committed = await self._commit([outcome for outcome, _ in batch])
            except Exception as exc:  # noqa: BLE001 - a bug: hand it to every waiter, none may hang
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except asyncio.CancelledError:
                for _, future in batch + self._queue:
                    future.cancel()
                raise
            for _, future in batch:
                if not future.done():
                    future.set_result(committed)

    async def _commit(self, outcomes: list[Outcome]) -> bool:
        for attempt in range(1, self._attempts + 1):
            try:
                queued = time.perf_counter()
                async with self._turn:
                    note_wait(time.perf_counter() - queued)
                    await self._delivery.record(outcomes)
                return True
            except DATABASE_ERRORS as exc:
                logger.warning("writing %d outcomes failed (try %d): %s", len(outcomes), attempt, exc)
                if attempt < self._attempts:
                    await self._sleep(self._retry_seconds * 2 ** (attempt - 1))
        return False
