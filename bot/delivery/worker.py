"""Sends due outbox rows to Teams: paced, retried, and never twice once marked sent.

How a drain goes: lease a batch of due rows (``locked_until``; PostgreSQL
claims with ``FOR UPDATE SKIP LOCKED`` so replicas take different rows),
group them by conversation, and run the groups concurrently. Within a group
messages go in order, each after its conversation's and tenant's token
buckets allow. Every outcome is written back at once (group commit: outcomes
that arrive while a write is in flight share the next transaction):

- 2xx: ``sent`` with activity id, conversation id and time;
- 429/412/5xx or no answer at all: back to ``pending`` after exponential
  backoff with jitter (capped at a few minutes), never sooner than
  ``Retry-After``; the rest of that conversation's batch waits as long (order
  kept, no hammering); never given up by count, only once the row is older
  than its purpose's time limit (hours, from its first failed try): ``failed``. A 1:1 opened
  before the post failed is kept on the person, so the retry only posts;
- 403/404 (bot removed, user blocked, message deleted): ``undeliverable``
  at once, shown to coordinators by the ``status`` command;
- other 4xx: ``failed`` at once (retrying a bad request changes nothing).

(botbuilder's connector never retries a POST; for a PUT its ``requests``
stack retries 429 with ``Retry-After`` and 5xx up to three times itself,
in real time, before this worker sees the error.)

Crash safety and its one honest gap. A crash after the claim and before the
send leaves the row ``sending``; when its lease ends it is claimed again and
sent once (the lost attempt counts, so a message that crashes the worker
every time still ends ``failed``). A database outage after a successful
send is bridged: the outcome write is retried with backoff, and if it
still fails the worker keeps the delivery in memory and writes it on its
next drain instead of sending again, also when it claims the row again. What stays
is *at least once*: if the process dies between Teams accepting a post and
the ``sent`` write landing, the lease ends and the post goes again. Updates
are idempotent (the same PUT twice) and Teams returns the existing 1:1 for a
repeated "create conversation"; only a new post can appear twice, and only
in that window.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.delivery.limiter import TeamsCalls, conversation_key, start_counting_waits
from bot.delivery.outcome_writer import DATABASE_ERRORS, OutcomeWriter
from bot.delivery.proactive import Delivered, SendError
from forum.delivery.backoff import DEFAULT_SEND_TIME_LIMIT, SEND_BACKOFF, BackoffPolicy, parse_retry_after
from forum.delivery.outbox_delivery import ClaimedMessage, Final, OutboxDelivery, Release, Retry, Sent
from forum.delivery.rate_limit import TeamsLimits
from storage.outbox_repository import FAILED, UNDELIVERABLE
from storage.types import utcnow

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({412, 429, 500, 502, 503, 504})
GONE_STATUSES = frozenset({403, 404})


class Sender(Protocol):
    async def deliver(self, message: ClaimedMessage) -> Delivered: ...


@dataclass(frozen=True)
class WorkerConfig:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=2)
    """Longer than a claimed row waits before its send (a batch ahead of the sends in flight)."""
    min_in_flight: int = 2
    max_in_flight: int = 64
    """Bounds of the sends in flight; between them it follows the observed latency."""
    initial_send_seconds: float = 0.25
    """The guess of one send's time with Teams before any was measured."""
    max_rounds: int = 40
    """Batches per drain, so a flood does not starve the job dispatcher."""
    policy: BackoffPolicy = SEND_BACKOFF
    time_limit: timedelta = DEFAULT_SEND_TIME_LIMIT
    """How long after its enqueue a message is still retried through transient faults."""
    time_limits: Mapping[str, timedelta] = field(default_factory=dict)
    """Per purpose, where it differs (a prompt that means nothing tomorrow: fewer hours)."""
    record_attempts: int = 5
    record_retry_seconds: float = 0.2


@dataclass
class WorkerStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    undeliverable: int = 0
    throttled: int = 0
    """Sends Teams answered 429 (counted among ``retried`` or ``failed`` too)."""
    latencies: list[float] = field(default_factory=list)
    keep_latencies: bool = False
    max_in_flight_seen: int = 0


SEND_TIME_WEIGHT = 0.2
"""Weight of the newest send in the average send time (an exponential moving average)."""
IN_FLIGHT_HEADROOM = 1.25


class InFlight:
    """A semaphore whose size can change while it is held (the sends in flight).

    Why its size moves: to keep the tenant's budget full, the worker needs about
    ``rate x time one send takes`` sends on the way at once (Little's law); the time
    is measured as the sends go, so the size follows it. No more than that: every send
    in flight is one that a kill may repeat.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.busy < self.size)
            self.busy += 1

    async def __aexit__(self, *_: object) -> None:
        async with self._changed:
            self.busy -= 1
            self._changed.notify_all()

    async def resize(self, size: int) -> None:
        if size != self.size:
            async with self._changed:
                self.size = size
                self._changed.notify_all()


class OutboxWorker:
    def __init__(
        self,
        delivery: OutboxDelivery,
        sender: Sender,
        *,
        calls: TeamsCalls | None = None,
        config: WorkerConfig | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._delivery = delivery
        self._sender = sender
        self._config = config or WorkerConfig()
        self._calls = calls or TeamsCalls(TeamsLimits(time.monotonic), sleep=sleep)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._writer = OutcomeWriter(
            delivery,
            attempts=self._config.record_attempts,
            retry_seconds=self._config.record_retry_seconds,
            sleep=sleep,
        )
        self._unrecorded: dict[int, Sent] = {}
        self._held: set[int] = set()
        """Rows claimed by this worker and not finished: never started twice in one process."""
        """Deliveries Teams accepted whose ``sent`` is not written yet: written, never resent."""
        self.send_seconds = self._config.initial_send_seconds
        """How long one send keeps its slot in flight, on average lately (waits for the limiter excluded)."""
        self._in_flight = InFlight(self.in_flight_target())
        self.stats = WorkerStats()

    @property
    def calls(self) -> TeamsCalls:
        return self._calls

    @property
    def in_flight(self) -> int:
        """Sends started and not yet committed: what a kill now could repeat."""
        return self._in_flight.busy

    def in_flight_target(self) -> int:
        """Sends in flight that keep this replica's share of the tenant budget full."""
        rate = self._calls.limits.tenant_limit.rate
        wanted = math.ceil(rate * self.send_seconds * IN_FLIGHT_HEADROOM) + 1
        return max(self._config.min_in_flight, min(self._config.max_in_flight, wanted))

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were delivered.

        Claims the next batch while the previous one is still going (once fewer rows
        wait than the sends in flight), so a fan-out never pauses between batches.
        Messages to one conversation go in order, also across batches.
        """
        await self._write_unrecorded()
        tails: dict[str, asyncio.Task[GroupResult]] = {}
        tasks: list[asyncio.Task[GroupResult]] = []
        waiting = _Waiting()
        try:
            for _ in range(self._config.max_rounds):
                await waiting.below(max(self._in_flight.size, self._config.batch_size // 2))
                try:
                    batch = await self._delivery.claim(
                        self._clock(), limit=self._config.batch_size, lease=self._config.lease
                    )
                except DATABASE_ERRORS as exc:
                    logger.warning("outbox claim failed, will try again next tick: %s", exc)
                    break
                if not batch:
                    break
                # A row whose lease ran out while it still waited here comes back in a
                # later claim: it is this drain's already, and must not go twice.
                batch = [message for message in batch if message.id not in self._held]
                self._held.update(message.id for message in batch)
                for key, group in _grouped(batch).items():
                    waiting.add(len(group))
                    task = asyncio.create_task(self._run_group(group, tails.get(key), waiting))
                    tails[key] = task
                    tasks.append(task)
            results = await asyncio.gather(*tasks)
        except asyncio.CancelledError:  # shutdown: no send of this drain goes on behind our back
            for task in tasks:
                task.cancel()
            raise
        return sum(result.delivered for result in results)

    async def _run_group(
        self, group: list[ClaimedMessage], before: asyncio.Task[GroupResult] | None, waiting: _Waiting
    ) -> GroupResult:
        held: datetime | None = None
        opened: dict[str, Any] | None = None
        if before is not None:  # the same conversation's messages of an earlier batch go first
            earlier = await before
            held, opened = earlier.held_until, earlier.opened
        delivered = 0
        for index, claimed in enumerate(group):
            if held is not None:
                rest = tuple(m.id for m in group[index:])
                waiting.done(len(rest))
                self._held.difference_update(rest)
                await self._writer.write(Release(rest, held))
                break
            message = claimed
            if opened is not None and message.reference is None and message.recipient is not None:
                message = replace(message, reference=opened, recipient=None)  # the 1:1 just opened
            try:
                outcome = await self._deliver_one(message)
            finally:
                waiting.done(1)
                self._held.discard(message.id)
            if isinstance(outcome, Delivered):
                delivered += 1
                opened = outcome.created_personal_reference or opened
            elif isinstance(outcome, datetime):
                held = outcome
        return GroupResult(delivered, held, opened)

    async def _deliver_one(self, message: ClaimedMessage) -> Delivered | datetime | None:
        """What Teams accepted; or a datetime: retry then, and hold the conversation's other messages."""
        if message.id in self._unrecorded:  # delivered before, its "sent" not written yet: never resend
            await self._record_sent(message, self._unrecorded[message.id])
            return None
        if message.problem is not None:
            await self._final(message, FAILED, None, message.problem)
            return None
        if self._config.policy.exhausted(message.attempts):  # a row that crashed the worker every time
            await self._final(message, FAILED, None, f"gave up after {message.attempts} attempts")
            return None
        async with self._in_flight:
            self.stats.max_in_flight_seen = max(self.stats.max_in_flight_seen, self._in_flight.busy)
            waits = start_counting_waits()
            started = time.perf_counter()
            try:
                return await self._send(message)
            finally:
                elapsed = time.perf_counter() - started
                if self.stats.keep_latencies:
                    self.stats.latencies.append(elapsed)
                await self._observe(max(0.0, elapsed - sum(waits)))

    async def _send(self, message: ClaimedMessage) -> Delivered | datetime | None:
        """One send and its outcome's commit: the slot in flight is held until both are done,
        since a kill before the commit repeats the send."""
        try:
            delivered = await self._sender.deliver(message)
        except SendError as error:
            return await self._failed(message, error)
        self.stats.sent += 1
        created = delivered.created_personal_reference
        person_id = message.recipient.person_id if message.recipient is not None else None
        sent = Sent(
            message_id=message.id,
            at=self._clock(),
            activity_id=delivered.activity_id,
            conversation_id=delivered.conversation_id,
            reference=delivered.reference,
            new_personal_reference=(person_id, created) if created is not None and person_id is not None else None,
        )
        await self._record_sent(message, sent)
        return delivered

    async def _observe(self, seconds: float) -> None:
        self.send_seconds += SEND_TIME_WEIGHT * (seconds - self.send_seconds)
        await self._in_flight.resize(self.in_flight_target())

    async def _record_sent(self, message: ClaimedMessage, sent: Sent) -> None:
        self._unrecorded[message.id] = sent
        if await self._writer.write(sent):
            del self._unrecorded[message.id]
        else:
            logger.error(
                "message %s was delivered but the database is unreachable: kept in memory, "
                "written on the next drain (a crash before then resends it)",
                message.key,
            )

    async def _write_unrecorded(self) -> None:
        pending = list(self._unrecorded.values())
        if pending and all(await asyncio.gather(*(self._writer.write(sent) for sent in pending))):
            for sent in pending:
                self._unrecorded.pop(sent.message_id, None)

    async def _failed(self, message: ClaimedMessage, error: SendError) -> datetime | None:
        status = error.status_code
        if status == 429:
            self.stats.throttled += 1
        detail = f"HTTP {status}: {error}" if status else str(error)
        if status in GONE_STATUSES:
            await self._final(message, UNDELIVERABLE, status, detail)
            return None
        if status is not None and status not in RETRYABLE_STATUSES:
            await self._final(message, FAILED, status, detail)
            return None
        attempt = message.attempts + 1
        if self._out_of_time(message) or self._config.policy.exhausted(attempt):
            await self._final(message, FAILED, status, f"{detail} (gave up after {attempt} attempts)")
            return None
        now = self._clock()
        retry_after = parse_retry_after(error.retry_after, now)
        delay = self._config.policy.delay(attempt, retry_after=retry_after, rng=self._rng)
        if retry_after is not None:
            self._calls.limits.penalize(conversation_key(message.conversation_id), message.tenant_id, retry_after)
        retry_at = now + timedelta(seconds=delay)
        log = logger.error if error.unexpected else logger.warning
        log("message %s attempt %d failed (%s), retry at %s", message.key, attempt, detail, retry_at.isoformat())
        self.stats.retried += 1
        await self._writer.write(Retry(message.id, status, detail, retry_at, self._opened(message, error), now))
        return retry_at

    def _out_of_time(self, message: ClaimedMessage) -> bool:
        if message.first_attempt_at is None:
            return False
        limit = self._config.time_limits.get(message.purpose, self._config.time_limit)
        return self._clock() - message.first_attempt_at >= limit

    @staticmethod
    def _opened(message: ClaimedMessage, error: SendError) -> tuple[int, dict[str, Any]] | None:
        """The 1:1 a failed send opened before its post failed: kept, so the retry only posts."""
        if error.created_personal_reference is None or message.recipient is None:
            return None
        return message.recipient.person_id, error.created_personal_reference

    async def _final(self, message: ClaimedMessage, status: str, code: int | None, detail: str) -> None:
        if status == UNDELIVERABLE:
            self.stats.undeliverable += 1
            logger.warning("message %s (%s) undeliverable: %s", message.key, message.purpose, detail)
        else:
            self.stats.failed += 1
            logger.error("message %s (%s) failed for good: %s", message.key, message.purpose, detail)
        await self._writer.write(Final(message.id, status, code, detail))


@dataclass(frozen=True)
class GroupResult:
    delivered: int
    held_until: datetime | None
    """Set when the conversation is throttled: its later messages wait until then."""
    opened: dict[str, Any] | None
    """A 1:1 the group opened: the same person's later messages post in it."""


class _Waiting:
    """Claimed messages not finished yet: the next batch is claimed when few are left."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def add(self, count: int) -> None:
        self.count += count

    def done(self, count: int) -> None:
        self.count -= count
        self._changed.set()

    async def below(self, level: int) -> None:
        while self.count > level:
            self._changed.clear()
            await self._changed.wait()


def _grouped(batch: list[ClaimedMessage]) -> dict[str, list[ClaimedMessage]]:
    groups: dict[str, list[ClaimedMessage]] = {}
    for message in batch:
        groups.setdefault(message.conversation_key, []).append(message)
    return groups
