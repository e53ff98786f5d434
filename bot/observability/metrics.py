"""The numbers an operator watches, in Prometheus' format (``prometheus-client``).

Why one registry per application (not the library's global one): tests build several apps
in one process, and a second bot in a process must not count into the first one's numbers.

What is counted where:

- activities by type and outcome, turn latency, errors: at the HTTP edge, per activity
  (``observe``);
- sends by status and 429s from Teams: read from the outbox worker's running totals at
  scrape time (the worker counts anyway, for its own log and benchmarks);
- outbox depth, age of the oldest due row, scheduled jobs due and late: two aggregate
  queries at scrape time (``storage.backlog_repository``), so they are true after a
  restart and across replicas.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.worker import WorkerStats
from bot.observability.activity_record import ERROR, FAILED, ActivityRecord
from storage.backlog_repository import read_backlog

logger = logging.getLogger(__name__)

PREFIX = "foorumibotti"
TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SEND_STATUSES = ("sent", "retried", "failed", "undeliverable")


class _DeliveryCollector(Collector):
    """Sends by status and Teams' 429s, from the worker's totals (a worker may come later)."""

    def __init__(self) -> None:
        self.stats: Callable[[], WorkerStats | None] = lambda: None

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self.stats()
        sends = CounterMetricFamily(f"{PREFIX}_sends", "Outbox send attempts by their outcome", labels=["status"])
        throttled = CounterMetricFamily(f"{PREFIX}_teams_throttled", "Sends Teams answered with 429")
        for status in SEND_STATUSES:
            sends.add_metric([status], float(getattr(stats, status, 0) if stats is not None else 0))
        throttled.add_metric([], float(stats.throttled if stats is not None else 0))
        yield sends
        yield throttled


class ForumMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.activities = Counter(
            f"{PREFIX}_activities",
            "Inbound activities by type and outcome",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            f"{PREFIX}_turn_seconds",
            "Time from a parsed activity to the answer, by activity type",
            ["type"],
            buckets=TURN_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            f"{PREFIX}_errors",
            "Activities that failed: in the turn (the person was told) or outside it (HTTP 500)",
            ["where"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            f"{PREFIX}_outbox_depth", "Outbox rows not yet final (waiting or being sent)", registry=self.registry
        )
        self.outbox_oldest_due_age = Gauge(
            f"{PREFIX}_outbox_oldest_due_age_seconds",
            "How long the oldest outbox row that may go now has waited",
            registry=self.registry,
        )
        self.jobs_due = Gauge(f"{PREFIX}_jobs_due", "Scheduled jobs due and not yet run", registry=self.registry)
        self.jobs_late = Gauge(
            f"{PREFIX}_jobs_late", "Scheduled jobs due longer ago than the dispatcher allows", registry=self.registry
        )
        self.database_up = Gauge(
            f"{PREFIX}_database_up", "1 when the last scrape could read the backlog", registry=self.registry
        )
        self._delivery = _DeliveryCollector()
        self.registry.register(self._delivery)
        for where in ("turn", "endpoint"):
            self.errors.labels(where=where)

    def watch_worker(self, stats: Callable[[], WorkerStats | None]) -> None:
        self._delivery.stats = stats

    def observe(self, record: ActivityRecord) -> None:
        self.activities.labels(type=record.type, outcome=record.outcome).inc()
        self.turn_seconds.labels(type=record.type).observe(record.duration_ms / 1000)
        if record.outcome == FAILED:
            self.errors.labels(where="turn").inc()
        elif record.outcome == ERROR:
            self.errors.labels(where="endpoint").inc()

    async def refresh_backlog(
        self, sessions: async_sessionmaker[AsyncSession], now: datetime, late_after: timedelta
    ) -> None:
        try:
            async with sessions() as session:
                backlog = await read_backlog(session, now, late_after)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("metrics: backlog unreadable: %s", exc)
            self.database_up.set(0)
            return
        self.database_up.set(1)
        self.outbox_depth.set(backlog.outbox_depth)
        self.outbox_oldest_due_age.set(backlog.oldest_due_age_seconds)
        self.jobs_due.set(backlog.jobs_due)
        self.jobs_late.set(backlog.jobs_late)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
