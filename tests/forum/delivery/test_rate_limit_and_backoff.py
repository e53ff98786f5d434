"""Token buckets (with a fake clock), backoff with jitter, and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from forum.delivery.backoff import MAX_RETRY_AFTER_SECONDS, BackoffPolicy, parse_retry_after
from forum.delivery.rate_limit import KeyedRateLimiter, RateLimit, SendPacer, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def send_times(limiter: KeyedRateLimiter, clock: FakeClock, key: str, count: int) -> list[float]:
    """When each of ``count`` sends requested at once would go."""
    return [clock.now + limiter.reserve(key) for _ in range(count)]


def test_bucket_allows_its_burst_then_paces_at_its_rate() -> None:
    bucket = TokenBucket(RateLimit(rate=2.0, burst=3.0), now=0.0)
    waits = [bucket.reserve(0.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 1.0]
    # After a quiet spell the bucket is full again, never fuller than its burst.
    assert [bucket.reserve(100.0) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


@pytest.mark.parametrize(("limit", "ceiling"), [(RateLimit(6.0, 1.0), 7), (RateLimit(45.0, 5.0), 50)])
def test_default_limits_keep_every_one_second_window_within_teams_figures(limit: RateLimit, ceiling: int) -> None:
    clock = FakeClock()
    limiter = KeyedRateLimiter(limit, clock)
    times = send_times(limiter, clock, "k", 200)
    for start in times:
        in_window = sum(1 for t in times if start <= t < start + 1.0)
        assert in_window <= ceiling


def test_keys_are_independent_and_idle_keys_are_forgotten() -> None:
    clock = FakeClock()
    limiter = KeyedRateLimiter(RateLimit(1.0, 1.0), clock, max_idle_keys=3)
    assert limiter.reserve("a") == 0.0 and limiter.reserve("a") == 1.0
    assert limiter.reserve("b") == 0.0
    clock.now = 10.0
    limiter.reserve("c")
    limiter.reserve("d")  # the fourth key: a and b are full again and dropped; c was just used
    assert len(limiter) == 2


def test_penalize_blocks_a_key_for_retry_after() -> None:
    clock = FakeClock()
    limiter = KeyedRateLimiter(RateLimit(6.0, 1.0), clock)
    limiter.penalize("conv", 3.0)
    assert limiter.reserve("conv") == pytest.approx(3.0 + 1 / 6)
    assert limiter.reserve("other") == 0.0


def test_pacer_waits_for_the_stricter_of_conversation_and_tenant() -> None:
    clock = FakeClock()
    pacer = SendPacer(clock, RateLimit(6.0, 1.0), RateLimit(2.0, 1.0))
    waits = [pacer.reserve(f"conv-{i}", "tenant") for i in range(3)]
    assert waits == [0.0, 0.5, 1.0]  # different conversations, one tenant at 2/s
    assert pacer.reserve("conv-0", "other-tenant") == pytest.approx(1 / 6)
    assert pacer.reserve("new-chat", "third-tenant", requests=2) == 0.5  # create + post: two tenant calls


def test_backoff_grows_with_jitter_and_respects_cap_and_retry_after() -> None:
    policy = BackoffPolicy(base_seconds=2.0, cap_seconds=30.0, max_attempts=5)
    rng = random.Random(3)
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (5, 30.0), (9, 30.0)]:
        delays = [policy.delay(attempt, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len({round(d, 6) for d in delays}) > 1  # jittered
    assert policy.delay(1, retry_after=20.0, rng=rng) >= 20.0
    assert policy.delay(1, retry_after=10_000.0, rng=rng) == MAX_RETRY_AFTER_SECONDS
    assert not policy.exhausted(4) and policy.exhausted(5)
    with pytest.raises(ValueError):
        policy.delay(0)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("0.5", now) == 0.5
    assert parse_retry_after("Wed, 25 Nov 2026 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 25 Nov 2026 09:00:00 GMT", now) == 0.0  # in the past: go now
    assert parse_retry_after("-4", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("99999999", now) == MAX_RETRY_AFTER_SECONDS
