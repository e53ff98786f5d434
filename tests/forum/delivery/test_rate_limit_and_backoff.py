"""Token buckets (with a fake clock), backoff with jitter, and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from forum.delivery.backoff import MAX_RETRY_AFTER_SECONDS, BackoffPolicy, parse_retry_after
from forum.delivery.rate_limit import RateLimit, TeamsLimits, TokenBucket, Window


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_its_burst_then_paces_at_its_rate() -> None:
    bucket = TokenBucket(RateLimit(rate=2.0, burst=3.0), now=0.0)
    waits = [bucket.reserve(0.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 1.0]
    # After a quiet spell the bucket is full again, never fuller than its burst.
    assert [bucket.reserve(100.0) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def _background_times(limits: TeamsLimits, clock: FakeClock, conversation: str | None, count: int) -> list[float]:
    """When ``count`` background calls, tried as soon as allowed, go."""
    times: list[float] = []
    while len(times) < count:
        wait = limits.try_take(conversation, "tenant")
        if wait == 0:
            times.append(clock.now)
        else:
            clock.now += wait
    return times


def _max_in_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


def test_one_conversation_keeps_every_teams_window() -> None:
    clock = FakeClock()
    times = _background_times(TeamsLimits(clock), clock, "conversation:a", 200)
    assert _max_in_window(times, 1.0) <= 7
    assert _max_in_window(times, 2.0) <= 8
    assert _max_in_window(times, 30.0) <= 60
    # 60 per 30 s (plus the 10 % margin) is what holds a long burst: 200 calls take over 90 s.
    assert times[-1] > 90


def test_the_hourly_window_holds_too() -> None:
    clock = FakeClock()
    limits = TeamsLimits(clock, windows=(Window(1800, 3600.0),), margin=0.0)
    times = _background_times(limits, clock, "conversation:a", 1801)
    assert times[1799] < 60 and times[1800] >= 3600


def test_the_tenant_is_paced_at_80_percent_and_split_between_replicas() -> None:
    clock = FakeClock()
    limits = TeamsLimits(clock)
    times = _background_times(limits, clock, None, 400)
    assert _max_in_window(times, 1.0) <= 44  # 40/s and a burst of 4, under Teams' 50
    assert times[-1] == pytest.approx((400 - 4) / 40, rel=0.01)
    limits.set_replicas(2)
    clock.now += 10
    start = clock.now
    times = _background_times(limits, clock, None, 200)
    assert times[-1] - start == pytest.approx((200 - 2) / 20, rel=0.01)


def test_interactive_calls_go_before_queued_background_work() -> None:
    clock = FakeClock()
    limits = TeamsLimits(clock, tenant_burst=1.0)
    assert limits.try_take(None, "tenant") == 0.0
    waiting = limits.try_take(None, "tenant")
    assert waiting == pytest.approx(1 / 40)
    # A person's reply borrows the next slot at once; the outbox waits one more slot.
    assert limits.reserve("conversation:chat", "tenant") == pytest.approx(1 / 40)
    assert limits.try_take(None, "tenant") == pytest.approx(2 / 40)


def test_retry_after_blocks_a_conversation_only() -> None:
    clock = FakeClock()
    limits = TeamsLimits(clock)
    limits.penalize("conversation:a", "tenant", 3.0)
    assert limits.try_take("conversation:a", "tenant") == pytest.approx(3.0)
    assert limits.try_take("conversation:b", "tenant") == 0.0


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
