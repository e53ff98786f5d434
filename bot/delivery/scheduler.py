"""The clock of the bot: APScheduler wakes the job dispatcher and the outbox worker.

Why APScheduler only *wakes*: the schedule is data (``scheduled_job`` and
``outbox_message`` rows), so one interval job is all APScheduler holds; a
restart loses nothing and the next tick picks up whatever is due.

Never two ticks at once: the interval job has ``max_instances=1`` and
``coalesce``, and a lock covers kicks too. A kick (``DeliveryPump.kick``,
called by a request handler right after its enqueue committed) runs a tick
at once instead of at the next interval; a kick that arrives during a tick
makes that tick go round once more, so nothing enqueued meanwhile waits for
the next interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.worker import OutboxWorker
from forum.delivery.jobs import JobDispatcher
from storage.types import utcnow

logger = logging.getLogger(__name__)

TICK_JOB_ID = "delivery-tick"
STOP_GRACE_SECONDS = 10.0


class DeliveryPump:
    def __init__(
        self,
        dispatcher: JobDispatcher,
        worker: OutboxWorker,
        interval_seconds: float,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._dispatcher = dispatcher
        self._worker = worker
        self._interval = interval_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._again = False
        self._kicks: set[asyncio.Task[None]] = set()
        self._soon: asyncio.TimerHandle | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._stopped = False

    def start(self) -> None:
        """Start the interval job on the running loop; the first tick comes after one interval."""
        # APScheduler logs two INFO lines per run: every few seconds, for ever. Our own
        # tick logs what it did when it did something.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self._interval,
            id=TICK_JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        logger.info("delivery pump started: a tick every %.1f s", self._interval)

    async def stop(self) -> None:
        """Stop ticking and let a running tick finish (its leases would expire otherwise)."""
        self._stopped = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        try:
            async with asyncio.timeout(STOP_GRACE_SECONDS):
                await self._lock.acquire()
                self._lock.release()
        except TimeoutError:
            logger.warning("a delivery tick was still running at shutdown; its leases will expire")
        if self._soon is not None:
            self._soon.cancel()  # its rows are in the outbox: the next start's first tick sends them
            self._soon = None
        for task in list(self._kicks):
            task.cancel()

    def kick(self) -> None:
        """Send what was just enqueued now, not at the next tick. Call after the commit."""
        if self._stopped:
            return
        self._again = True
        if self._lock.locked():
            return
        task = asyncio.get_running_loop().create_task(self.tick())
        self._kicks.add(task)
        task.add_done_callback(self._kicks.discard)

    def kick_soon(self, delay: float) -> None:
        """Kick in ``delay`` seconds unless a kick is already waiting: the changes of a burst
        (RSVPs to one card) go out as one coalesced update. Call after the commit."""
        if delay <= 0:
            self.kick()
            return
        if self._stopped or self._soon is not None:
            return
        self._soon = asyncio.get_running_loop().call_later(delay, self._kick_now)

    def _kick_now(self) -> None:
        if self._soon is not None:
            self._soon.cancel()
            self._soon = None
        self.kick()

    async def settle(self) -> None:
        """Send what waits for a delayed kick now, and wait until kicked ticks are done (tests)."""
        if self._soon is not None:
            self._kick_now()
        while self._kicks:
            await asyncio.gather(*list(self._kicks), return_exceptions=True)

    async def tick(self) -> None:
        """Run due jobs, then drain the outbox; again while kicks keep arriving."""
        if self._lock.locked():
            self._again = True
            return
        async with self._lock:
            while True:
                self._again = False
                await self._round()
                if not self._again or self._stopped:
                    return

    async def _round(self) -> None:
        # Separately guarded: a failing dispatcher must not keep queued messages from going out.
        jobs = sent = 0
        try:
            jobs = await self._dispatcher.run_due(self._clock())
        except Exception:  # the pump must outlive any one bad tick
            logger.exception("running due jobs failed; the next tick tries again")
        try:
            sent = await self._worker.drain()
        except Exception:  # the pump must outlive any one bad tick
            logger.exception("draining the outbox failed; the next tick tries again")
        if jobs or sent:
            logger.info("delivery tick: %d jobs done, %d messages sent", jobs, sent)
