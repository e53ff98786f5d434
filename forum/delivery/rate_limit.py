"""Token buckets that pace sends to Teams, one per key (a conversation, a tenant).

Why reservations instead of "try and fail": the worker sends to many
conversations at once, and every send must respect two limits (its
conversation's and its tenant's). ``reserve`` takes a token now, possibly
borrowing from the future, and says how long to wait before using it; the
caller waits the longest of its reservations. A send then never happens
earlier than every bucket allowed, and no slot is lost to polling.

A bucket of capacity ``burst`` refilled at ``rate`` per second lets at most
``burst + rate * T`` sends through in any window of ``T`` seconds. Teams
allows a bot 7 messages a second per conversation and about 50 requests a
second per tenant, so the defaults (burst 1 + 6/s, burst 5 + 45/s) keep every
one-second window within those figures. The limits hold per process: two
replicas share Teams' budget, and their 429s are honoured through
``Retry-After`` (``penalize``).

Pure: the clock is injected (seconds, monotonic), nothing sleeps here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateLimit:
    rate: float
    """Tokens added per second."""
    burst: float
    """Bucket capacity: how many sends may go at once after a quiet spell."""

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")


CONVERSATION_LIMIT = RateLimit(rate=6.0, burst=1.0)
TENANT_LIMIT = RateLimit(rate=45.0, burst=5.0)


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
        return 0.0 if self._tokens >= 0 else -self._tokens / self._limit.rate

    def penalize(self, now: float, seconds: float) -> None:
        """Nothing may go for ``seconds`` (a 429's ``Retry-After``)."""
        self._refill(now)
        self._tokens = min(self._tokens, -seconds * self._limit.rate)

    def idle_since(self, now: float) -> bool:
        """True when the bucket is full again, i.e. forgetting it changes nothing."""
        self._refill(now)
        return self._tokens >= self._limit.burst


class KeyedRateLimiter:
    """A bucket per key, created on first use and forgotten once full again."""

    def __init__(self, limit: RateLimit, clock: Clock, *, max_idle_keys: int = 1000) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._max_idle_keys = max_idle_keys

    def reserve(self, key: str) -> float:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[key] = TokenBucket(self._limit, now)
        return bucket.reserve(now)

    def penalize(self, key: str, seconds: float) -> None:
        now = self._clock()
        bucket = self._buckets.setdefault(key, TokenBucket(self._limit, now))
        bucket.penalize(now, seconds)

    def __len__(self) -> int:
        return len(self._buckets)

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < self._max_idle_keys:
            return
        for key in [k for k, b in self._buckets.items() if b.idle_since(now)]:
            del self._buckets[key]


class SendPacer:
    """Both Teams limits at once: the wait before one send to ``conversation`` in ``tenant``."""

    def __init__(
        self,
        clock: Clock,
        conversation_limit: RateLimit = CONVERSATION_LIMIT,
        tenant_limit: RateLimit = TENANT_LIMIT,
    ) -> None:
        self.conversations = KeyedRateLimiter(conversation_limit, clock)
        self.tenants = KeyedRateLimiter(tenant_limit, clock)

    def reserve(self, conversation: str, tenant: str, requests: int = 1) -> float:
        """The wait before a send that makes ``requests`` calls (opening a 1:1 first is two)."""
        tenant_wait = max(self.tenants.reserve(tenant) for _ in range(max(1, requests)))
        return max(self.conversations.reserve(conversation), tenant_wait)


class UnlimitedPacer(SendPacer):
    """No pacing at all: for benchmarks that measure the machinery, not Teams' limits."""

    def __init__(self) -> None:
        super().__init__(lambda: 0.0)

    def reserve(self, conversation: str, tenant: str, requests: int = 1) -> float:
        return 0.0
