"""``GET /metrics`` on a listener of its own, started only when ``METRICS_PORT`` is set.

Why not a route on the public app: the messaging endpoint faces the internet (through the
reverse proxy), and what the bot sends, how often it fails and how much waits is no one's
business there. The metrics listener binds ``METRICS_HOST`` (loopback by default); in a
container set ``METRICS_HOST=0.0.0.0`` and do not publish the port.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.components import DATABASE, SETTINGS
from bot.delivery.context import DELIVERY
from bot.observability.metrics import ForumMetrics
from storage.types import utcnow

logger = logging.getLogger(__name__)

METRICS = web.AppKey("metrics", ForumMetrics)


@dataclass
class MetricsListener:
    """Where ``/metrics`` answers (the bound port, also when 0 was asked)."""

    host: str
    port: int


METRICS_LISTENER = web.AppKey("metrics_listener", MetricsListener)
MIN_LATE_AFTER = timedelta(minutes=1)


def late_after(dispatch_interval_seconds: float) -> timedelta:
    """A job is late when three dispatcher ticks (at least a minute) went by without it."""
    return max(MIN_LATE_AFTER, timedelta(seconds=3 * dispatch_interval_seconds))


async def metrics_context(app: web.Application) -> AsyncIterator[None]:
    """After ``delivery_context``: reads the worker's totals and the database."""
    settings = app[SETTINGS]
    metrics = app[METRICS]
    delivery = app[DELIVERY]
    metrics.watch_worker(lambda: delivery.worker.stats)
    if settings.metrics_port is None:
        yield
        return
    sessions = app[DATABASE].sessions
    grace = late_after(settings.dispatch_interval_seconds)

    async def scrape(_request: web.Request) -> web.Response:
        await metrics.refresh_backlog(sessions, utcnow(), grace)
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    listener_app = web.Application()
    listener_app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(listener_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.metrics_host, settings.metrics_port)
    await site.start()
    port = int(runner.addresses[0][1])  # the bound port, also when 0 was asked
    app[METRICS_LISTENER] = MetricsListener(settings.metrics_host, port)
    logger.info("metrics on http://%s:%s/metrics", settings.metrics_host, port)
    try:
        yield
    finally:
        await runner.cleanup()
