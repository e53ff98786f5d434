"""The delivery wing's registration: scheduled jobs, the outbox worker and the pump
that wakes them, and the coordinators' ``status`` command. Features that send
register their job kinds on ``app[DELIVERY].jobs`` and their message renderers on
``app[DELIVERY].renderers`` in a context after this one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from bot.adapter import ForumAdapter
from bot.components import BOT, DATABASE, SETTINGS, Database
from bot.delivery.commands import DeliveryCommands
from bot.delivery.limiter import TeamsCalls, TeamsCallsMiddleware, use_http_threads
from bot.delivery.proactive import ProactiveSender
from bot.delivery.replicas import Replicas
from bot.delivery.scheduler import DeliveryPump
from bot.delivery.worker import OutboxWorker, WorkerConfig
from bot.settings import Settings
from forum.delivery.intents import RendererRegistry
from forum.delivery.jobs import JobDispatcher, JobRegistry
from forum.delivery.outbox_delivery import OutboxDelivery
from forum.delivery.personal_data import DeliveryData
from forum.delivery.rate_limit import TENANT_PACE, TeamsLimits
from storage.locks import SCHEDULER_TICK_LOCK, advisory_lock


@dataclass(frozen=True)
class Delivery:
    """Scheduled jobs and the outbox: register job kinds on ``jobs`` and renderers on
    ``renderers``, ``kick()`` after an enqueue."""

    jobs: JobRegistry
    renderers: RendererRegistry
    dispatcher: JobDispatcher
    worker: OutboxWorker
    pump: DeliveryPump
    card_update_delay: float = 0.0

    def kick(self) -> None:
        """Have the outbox send now what the caller's committed transaction enqueued."""
        self.pump.kick()

    def kick_soon(self) -> None:
        """Like ``kick`` for a card update: sent after ``card_update_delay``, with whatever
        else changed meanwhile (``CARD_UPDATE_DELAY_SECONDS``)."""
        self.pump.kick_soon(self.card_update_delay)


DELIVERY = web.AppKey("delivery", Delivery)
INTERACTIVE_HTTP_THREADS = 16
"""Threads for the turns' own calls to Teams, besides the outbox's sends in flight."""


def build_delivery(settings: Settings, database: Database, adapter: ForumAdapter) -> Delivery:
    jobs = JobRegistry()
    renderers = RendererRegistry()
    dispatcher = JobDispatcher(database.sessions, jobs)
    outbox = OutboxDelivery(database.sessions, renderers, quiet_hours=settings.quiet_hours)
    calls = TeamsCalls(TeamsLimits(time.monotonic, tenant_rate=settings.teams_tenant_rps * TENANT_PACE))
    adapter.use(TeamsCallsMiddleware(calls))  # every call of every turn, replies and outbox alike
    worker = OutboxWorker(outbox, ProactiveSender(adapter, settings.app_id, calls), calls=calls)
    pump = DeliveryPump(
        dispatcher,
        worker,
        settings.dispatch_interval_seconds,
        tick_lock=lambda: advisory_lock(database.engine, SCHEDULER_TICK_LOCK),
        replicas=Replicas(database.sessions, calls.limits),
    )
    return Delivery(
        jobs=jobs,
        renderers=renderers,
        dispatcher=dispatcher,
        worker=worker,
        pump=pump,
        card_update_delay=settings.card_update_delay_seconds,
    )


async def delivery_context(app: web.Application) -> AsyncIterator[None]:
    """After ``bot_context``: the worker sends through the bot's adapter. Features
    register their job kinds in a context after this one (``app[DELIVERY].jobs``)."""
    delivery = build_delivery(app[SETTINGS], app[DATABASE], app[BOT].adapter)
    app[BOT].bot.register_command("status", DeliveryCommands(app[DATABASE].sessions).status)
    app[BOT].personal_data.register(DeliveryData())
    app[BOT].personal_data.declare_no_personal_data(
        "replica_heartbeat", "which replicas of the bot run (random ids) and when they last said so"
    )
    app[BOT].personal_data.declare_no_personal_data(
        "scheduled_job", "timed work: keys and subjects name meetings and forums, never a person"
    )
    app[DELIVERY] = delivery
    executor = use_http_threads(WorkerConfig().max_in_flight + INTERACTIVE_HTTP_THREADS)
    if delivery.pump.replicas is not None:
        await delivery.pump.replicas.beat()  # this replica's share before its first send
    delivery.pump.start()
    yield
    await delivery.pump.stop()
    executor.shutdown(wait=False, cancel_futures=True)
