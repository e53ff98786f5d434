"""A fan-out worker as its own process, for the SIGKILL fault test.

    python -m tests.support.fanout_child DATABASE_URL

Drains the outbox (the ``prompt`` purpose, rendered as ``prompt for <person id>``)
until no row is pending or being sent, then exits 0. It prints ``ready`` once it is
about to send, so the test knows when killing it means killing a fan-out. A short
lease (2 s) lets the next run take over rows a killed run held.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from datetime import timedelta
from typing import Any

from botbuilder.core import ConversationState, MemoryStorage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapter import ForumAdapter
from bot.delivery.limiter import TeamsCalls, TeamsCallsMiddleware, use_http_threads
from bot.delivery.proactive import ProactiveSender
from bot.delivery.worker import OutboxWorker, WorkerConfig
from bot.settings import Settings
from forum.delivery.intents import Intent, Reader, RendererRegistry
from forum.delivery.outbox_delivery import OutboxDelivery
from forum.delivery.quiet_hours import NEVER_QUIET
from forum.delivery.rate_limit import TeamsLimits
from storage.database import create_engine, create_session_factory
from storage.models import OutboxMessageRow

LEASE = timedelta(seconds=2)


async def prompt(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any]:
    return {"type": "message", "text": f"prompt for {reader.person_id}"}


async def main(url: str) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    use_http_threads(80)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    registry = RendererRegistry()
    registry.register("prompt", prompt)
    adapter = ForumAdapter(Settings(), ConversationState(MemoryStorage()))
    calls = TeamsCalls(TeamsLimits(time.monotonic))
    adapter.use(TeamsCallsMiddleware(calls))
    worker = OutboxWorker(
        OutboxDelivery(sessions, registry, quiet_hours=NEVER_QUIET),
        ProactiveSender(adapter, "", calls),
        calls=calls,
        config=WorkerConfig(lease=LEASE, record_retry_seconds=0.05),
    )
    print("ready", flush=True)
    while True:
        await worker.drain()
        async with sessions() as session:
            left = await session.scalar(select(func.count()).where(OutboxMessageRow.status.in_(("pending", "sending"))))
        if not left:
            break
        await asyncio.sleep(0.2)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
