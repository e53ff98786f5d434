"""Teams' limits, all of them, in one pure object: when may each call go.

Teams throttles a bot per conversation (7 calls in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in
an hour) and an app per tenant (50 requests a second, every call counted: replies to
turns, posts, updates, creates, roster reads). :class:`TeamsLimits` keeps a log of the
calls to each conversation (:class:`SlidingWindows`, every window checked at once) and a
token bucket per tenant paced at 80 % of its limit (40/s, a burst of 4: at most 44 calls
in any second), split between the live replicas.

Why priorities: a fan-out of 2,000 prompts must not make a person wait for the bot's
answer. Interactive calls *reserve* (they may borrow tenant tokens ahead of time and go
first), background calls *take* only what is free now and otherwise wait and ask again.

Pure: the clock is injected (seconds, monotonic), nothing sleeps here; the asyncio side
is ``bot/delivery/limiter.py``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
EPSILON = 1e-9
"""Float slack: a wait of less than a nanosecond is no wait (and would never end)."""


@dataclass(frozen=True)
class RateLimit:
    rate: float
    """Tokens added per second."""
    burst: float
    """Bucket capacity: how many sends may go at once after a quiet spell."""

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")


class TokenBucket:
    """One bucket; ``tokens`` may go negative, which is a queue of reservations."""

    def __init__(self, limit: RateLimit, now: float) -> None:
        self._limit = limit
        self._tokens = limit.burst
        self._updated = now

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self._limit.burst, self._tokens + (now - self._updated) * self._limit.rate)
            self._updated = now

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before it may be used (0 when one was free)."""
        self._refill(now)
        self._tokens -= 1
        return 0.0 if self._tokens >= -EPSILON else -self._tokens / self._limit.rate

    def penalize(self, now: float, seconds: float) -> None:
        """Nothing may go for ``seconds`` (a 429's ``Retry-After``)."""
        self._refill(now)
        self._tokens = min(self._tokens, -seconds * self._limit.rate)

    def wait_for_token(self, now: float) -> float:
        """Seconds until one whole token is free (0 when one is), taking nothing."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 - EPSILON else (1 - self._tokens) / self._limit.rate

    def idle_since(self, now: float) -> bool:
        """True when the bucket is full again, i.e. forgetting it changes nothing."""
        self._refill(now)
        return self._tokens >= self._limit.burst


@dataclass(frozen=True)
class Window:
    """At most ``count`` calls in any ``seconds``-long window."""

    count: int
    seconds: float


CONVERSATION_WINDOWS = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
"""Teams' limits per bot per conversation (messages, updates and deletes alike)."""
TENANT_REQUESTS_PER_SECOND = 50.0
"""Teams' limit per app per tenant: every call counts (replies, updates, creates, roster reads)."""
TENANT_PACE = 0.8
"""The share of the tenant limit we use: room for clock skew and for calls we cannot see."""
WINDOW_MARGIN = 0.1
"""Each conversation window is kept 10 % longer than Teams' own: jitter between our clock
and Teams' arrival times must never turn two calls 1.0 s apart into 0.99 s."""


class SlidingWindows:
    """The calls to one conversation, kept long enough to check every window at once.

    Why a log and not buckets: four windows from 1 s to an hour cannot be expressed
    by one bucket, and a bucket per window over-throttles. Times are only appended in
    order (a reservation never goes before the last one), so the earliest allowed
    moment is found by looking back from the end.
    """

    def __init__(self, windows: tuple[Window, ...], margin: float) -> None:
        self._windows = tuple(Window(w.count, w.seconds * (1 + margin)) for w in windows)
        self._horizon = max(w.seconds for w in self._windows)
        self._times: deque[float] = deque()
        self._blocked_until = float("-inf")

    def earliest(self, now: float) -> float:
        """The first moment a call could go (``now`` or later), without taking it."""
        moment = max(now, self._blocked_until, self._times[-1] if self._times else now)
        while True:
            later = moment
            for window in self._windows:
                if len(self._times) >= window.count:
                    nth_last = self._times[-window.count]
                    if nth_last > later - window.seconds + EPSILON:
                        later = nth_last + window.seconds
            if later == moment:
                return moment
            moment = later

    def take(self, moment: float) -> None:
        self._times.append(moment)
        while self._times and self._times[0] <= moment - self._horizon:
            self._times.popleft()

    def block(self, until: float) -> None:
        self._blocked_until = max(self._blocked_until, until)

    def idle(self, now: float) -> bool:
        return not self._times or self._times[-1] <= now - self._horizon


class TeamsLimits:
    """Every Teams limit in one place: the moment each call may go, by priority.

    Interactive calls (replies to a person's turn) *reserve*: they may borrow the
    tenant's tokens ahead, so they go first. Background calls (the outbox) only
    *take* what is free now and otherwise learn how long to wait, so a fan-out that
    queues thousands of sends never stands between a person and the bot's answer.
    The tenant's budget is split evenly between live replicas (``set_replicas``).

    Pure: the clock is injected (seconds, monotonic), nothing sleeps here.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        windows: tuple[Window, ...] = CONVERSATION_WINDOWS,
        tenant_rate: float = TENANT_REQUESTS_PER_SECOND * TENANT_PACE,
        tenant_burst: float = 4.0,
        margin: float = WINDOW_MARGIN,
        max_idle_keys: int = 5000,
    ) -> None:
        self._clock = clock
        self._windows = windows
        self._margin = margin
        self._tenant_rate = tenant_rate
        self._tenant_burst = tenant_burst
        self._replicas = 1
        self._conversations: dict[str, SlidingWindows] = {}
        self._tenants: dict[str, TokenBucket] = {}
        self._max_idle_keys = max_idle_keys

    @property
    def tenant_limit(self) -> RateLimit:
        """This replica's share of the tenant budget."""
        return RateLimit(rate=self._tenant_rate / self._replicas, burst=max(1.0, self._tenant_burst / self._replicas))

    @property
    def replicas(self) -> int:
        return self._replicas

    def set_replicas(self, count: int) -> None:
        """How many replicas share the tenant's budget now (from their heartbeats)."""
        count = max(1, count)
        if count != self._replicas:
            self._replicas = count
            limit = self.tenant_limit
            now = self._clock()
            self._tenants = {key: _rescaled(bucket, limit, now) for key, bucket in self._tenants.items()}

    def reserve(self, conversation: str | None, tenant: str) -> float:
        """An interactive call: taken now, it may go after the returned wait (seconds)."""
        now = self._clock()
        tenant_wait = self._tenant(tenant, now).reserve(now)
        if conversation is None:
            return tenant_wait
        windows = self._conversation(conversation, now)
        moment = max(windows.earliest(now), now + tenant_wait)
        windows.take(moment)
        return moment - now

    def try_take(self, conversation: str | None, tenant: str) -> float:
        """A background call: 0 when it may go now (its slots are taken), else the wait to try again."""
        now = self._clock()
        windows = self._conversation(conversation, now) if conversation is not None else None
        if windows is not None:
            moment = windows.earliest(now)
            if moment > now:
                return moment - now
        bucket = self._tenant(tenant, now)
        wait = bucket.wait_for_token(now)
        if wait > 0:
            return wait
        bucket.reserve(now)
        if windows is not None:
            windows.take(now)
        return 0.0

    def penalize(self, conversation: str | None, tenant: str, seconds: float) -> None:
        """Teams said 429 with ``Retry-After``: nothing more to that conversation (or the tenant) until then."""
        now = self._clock()
        if conversation is not None:
            self._conversation(conversation, now).block(now + seconds)
        else:
            self._tenant(tenant, now).penalize(now, seconds)

    def _conversation(self, key: str, now: float) -> SlidingWindows:
        windows = self._conversations.get(key)
        if windows is None:
            if len(self._conversations) >= self._max_idle_keys:
                for idle in [k for k, w in self._conversations.items() if w.idle(now)]:
                    del self._conversations[idle]
            windows = self._conversations[key] = SlidingWindows(self._windows, self._margin)
        return windows

    def _tenant(self, key: str, now: float) -> TokenBucket:
        bucket = self._tenants.get(key)
        if bucket is None:
            bucket = self._tenants[key] = TokenBucket(self.tenant_limit, now)
        return bucket


def _rescaled(bucket: TokenBucket, limit: RateLimit, now: float) -> TokenBucket:
    """The same debt under a new share: borrowed tokens stay borrowed."""
    fresh = TokenBucket(limit, now)
    fresh.penalize(now, max(0.0, bucket.wait_for_token(now)))
    return fresh


class UnlimitedLimits(TeamsLimits):
    """No pacing at all: for benchmarks that measure the machinery, not Teams' limits."""

    def __init__(self) -> None:
        super().__init__(lambda: 0.0, tenant_rate=1e9, tenant_burst=1e9)

    def reserve(self, conversation: str | None, tenant: str) -> float:
        return 0.0

    def try_take(self, conversation: str | None, tenant: str) -> float:
        return 0.0
