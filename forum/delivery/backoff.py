"""How long to wait before trying again: exponential backoff with jitter.

Why "equal jitter" (half fixed, half random): after Teams throttles a burst,
every failed send would otherwise come back at the same instant and be
throttled again; spreading them over the second half of the window breaks
the herd, while the fixed half still guarantees the wait grows. A server's
``Retry-After`` is a floor, never shortened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER_SECONDS = 3600.0
"""A longer ``Retry-After`` is treated as this: an hour is long enough to notice."""


@dataclass(frozen=True)
class BackoffPolicy:
    base_seconds: float
    cap_seconds: float
    max_attempts: int

    def delay(self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """The wait after the ``attempt``-th failure (1 = the first), never below ``retry_after``."""
        if attempt < 1:
            raise ValueError("attempts are counted from 1")
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** min(attempt - 1, 60))
        draw = rng.random() if rng is not None else random.random()
        delay = ceiling / 2 + draw * ceiling / 2
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return delay

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


SEND_BACKOFF = BackoffPolicy(base_seconds=2.0, cap_seconds=180.0, max_attempts=1000)
"""Outbox sends: waits of 1–2 s, 2–4 s, … up to 1.5–3 min between tries. A transient fault
is not given up on by count: the worker's time limit per purpose ends it (hours). The
count (a day and more of tries) only stops a row that crashes the worker every time."""

DEFAULT_SEND_TIME_LIMIT = timedelta(hours=12)
"""How long a message keeps being retried through transient faults (429, 5xx, timeouts)."""

JOB_BACKOFF = BackoffPolicy(base_seconds=30.0, cap_seconds=1800.0, max_attempts=5)
"""Scheduled jobs: a failing handler is usually a bug or an outage, so wait longer
(waits of 15–30 s up to 2–4 min; five tries span 4–8 minutes)."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date; None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = (moment - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))
