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
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.delivery.outcome_writer import DATABASE_ERRORS, OutcomeWriter
from bot.delivery.proactive import Delivered, SendError
from forum.delivery.backoff import DEFAULT_SEND_TIME_LIMIT, SEND_BACKOFF, BackoffPolicy, parse_retry_after
from forum.delivery.outbox_delivery import ClaimedMessage, Final, OutboxDelivery, Release, Retry, Sent
from forum.delivery.rate_limit import SendPacer
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
    """Longer than a batch can take (pacing included): a lease that ends mid-send means a resend."""
    max_concurrent_sends: int = 4
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


class OutboxWorker:
    def __init__(
        self,
        delivery: OutboxDelivery,
        sender: Sender,
        *,
        pacer: SendPacer | None = None,
        config: WorkerConfig | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._delivery = delivery
        self._sender = sender
        self._pacer = pacer or SendPacer(time.monotonic)
        self._config = config or WorkerConfig()
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
        """Deliveries Teams accepted whose ``sent`` is not written yet: written, never resent."""
        self.stats = WorkerStats()

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were delivered."""
        await self._write_unrecorded()
        delivered = 0
        for _ in range(self._config.max_rounds):
            try:
                batch = await self._delivery.claim(
                    self._clock(), limit=self._config.batch_size, lease=self._config.lease
                )
            except DATABASE_ERRORS as exc:
                logger.warning("outbox claim failed, will try again next tick: %s", exc)
                break
            if not batch:
                break
            delivered += await self.process(batch)
        return delivered

    async def process(self, batch: list[ClaimedMessage]) -> int:
        """Deliver a claimed batch: one task per conversation, in order within each."""
        groups: dict[str, list[ClaimedMessage]] = {}
        for message in batch:
            groups.setdefault(message.conversation_key, []).append(message)
        gate = asyncio.Semaphore(self._config.max_concurrent_sends)
        counts = await asyncio.gather(*(self._run_group(group, gate) for group in groups.values()))
        return sum(counts)

    async def _run_group(self, group: list[ClaimedMessage], gate: asyncio.Semaphore) -> int:
        delivered = 0
        opened: dict[str, Any] | None = None
        for index, claimed in enumerate(group):
            message = claimed
            if opened is not None and message.reference is None and message.recipient is not None:
                message = replace(message, reference=opened, recipient=None)  # the 1:1 just opened
            outcome = await self._deliver_one(message, gate)
            if isinstance(outcome, Delivered):
                delivered += 1
                opened = outcome.created_personal_reference or opened
            elif isinstance(outcome, datetime):
                rest = tuple(m.id for m in group[index + 1 :])
                if rest:
                    await self._writer.write(Release(rest, outcome))
                break
        return delivered

    async def _deliver_one(self, message: ClaimedMessage, gate: asyncio.Semaphore) -> Delivered | datetime | None:
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
        calls = 2 if message.reference is None and message.recipient is not None else 1  # open a 1:1, then post
        wait = self._pacer.reserve(message.conversation_key, message.tenant_id, calls)
        if wait > 0:
            await self._sleep(wait)
        async with gate:
            started = time.perf_counter()
            try:
                delivered = await self._sender.deliver(message)
            except SendError as error:
                return await self._failed(message, error)
            finally:
                if self.stats.keep_latencies:
                    self.stats.latencies.append(time.perf_counter() - started)
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
            self._pacer.conversations.penalize(message.conversation_key, retry_after)
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
