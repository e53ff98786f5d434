"""Outbox throughput against a naive send loop, in the same run, on the same fake Teams.

    python bench/bench_outbox.py [--messages 2000] [--conversations 50]
                                 [--database-url URL] [--teams-limits] [--latency-ms 0]

An in-process fake Bot Connector listens on loopback; ``--conversations``
people each have a 1:1 with the bot. Two ways to send ``--messages``
messages spread over those chats:

- baseline: the naive loop, one ``adapter.continue_conversation`` after the
  other, no database (what a bot without an outbox does);
- outbox: enqueue every message as a row (one transaction per 100, as a job
  handler would), then drain them with the outbox worker (claims, leases,
  concurrent per-conversation groups, outcome writes).

Prints messages/s and p50/p95 per-send latency of each, and the ratio. By
default the worker's pacing is off, so the figures show the machinery's own
cost; ``--teams-limits`` turns Teams' limits on (40 requests/s per
tenant), which then dominates. ``--latency-ms`` makes the fake Teams answer
that much later, as the real one does over the internet: then the worker's
concurrent sends matter. A SQLite temp file by default; with
``--database-url`` (PostgreSQL) the run uses its own forum and keys in that
database and leaves the rows there. Asserts nothing (machines are noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from botbuilder.core import ConversationState, MemoryStorage, TurnContext  # noqa: E402
from botbuilder.schema import Activity  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bot.adapter import ForumAdapter  # noqa: E402
from bot.delivery.limiter import TeamsCalls, TeamsCallsMiddleware, use_http_threads  # noqa: E402
from bot.delivery.proactive import ProactiveSender  # noqa: E402
from bot.delivery.worker import OutboxWorker, WorkerConfig  # noqa: E402
from bot.references import reference_from_json  # noqa: E402
from bot.settings import Settings  # noqa: E402
from forum.delivery.outbox import PersonTarget, enqueue_message  # noqa: E402
from forum.delivery.outbox_delivery import OutboxDelivery  # noqa: E402
from forum.delivery.rate_limit import TeamsLimits, UnlimitedLimits  # noqa: E402
from storage.database import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from storage.models import ForumRow, PersonRow  # noqa: E402
from tests.support.fake_connector import FakeConnector  # noqa: E402

ENQUEUE_BATCH = 100


class SlowConnector(FakeConnector):
    """The fake Teams, answering each request ``latency`` seconds late."""

    latency: float = 0.0

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        return await super()._dispatch(request)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def reference(service_url: str, run: str, index: int) -> dict[str, Any]:
    return {
        "bot": {"id": "28:bench-bot", "name": "Foorumibotti"},
        "user": {"id": f"29:{run}-{index}"},
        "conversation": {"id": f"a:{run}-{index}", "conversationType": "personal", "tenantId": "bench-tenant"},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


async def seed(
    sessions: async_sessionmaker[AsyncSession], service_url: str, run: str, count: int
) -> tuple[int, list[int]]:
    async with sessions() as session, session.begin():
        forum = ForumRow(team_id=f"19:{run}", tenant_id="bench-tenant", service_url=service_url)
        session.add(forum)
        people = [
            PersonRow(teams_user_id=f"29:{run}-{i}", name=f"P{i}", personal_reference=reference(service_url, run, i))
            for i in range(count)
        ]
        session.add_all(people)
        await session.flush()
        return forum.id, [p.id for p in people]


async def baseline(
    adapter: ForumAdapter, service_url: str, run: str, messages: int, conversations: int
) -> tuple[float, list[float]]:
    """The naive loop: continue_conversation and send, one message after the other."""
    latencies: list[float] = []
    started = time.perf_counter()
    for index in range(messages):
        ref = reference_from_json(reference(service_url, run, index % conversations))

        async def send(turn_context: TurnContext, text: str = f"baseline {index}") -> None:
            turn_context.activity.id = None
            await turn_context.send_activity(Activity(type="message", text=text))

        began = time.perf_counter()
        await adapter.continue_conversation(ref, send, "")
        latencies.append(time.perf_counter() - began)
    return time.perf_counter() - started, latencies


async def enqueue_all(
    sessions: async_sessionmaker[AsyncSession], forum_id: int, people: list[int], run: str, messages: int
) -> float:
    started = time.perf_counter()
    for first in range(0, messages, ENQUEUE_BATCH):
        async with sessions() as session, session.begin():
            for index in range(first, min(messages, first + ENQUEUE_BATCH)):
                await enqueue_message(
                    session,
                    key=f"{run}:{index}",
                    purpose="bench",
                    forum_id=forum_id,
                    target=PersonTarget(people[index % len(people)]),
                    activity={"type": "message", "text": f"outbox {index}"},
                )
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    use_http_threads(WorkerConfig().max_in_flight + 16)  # as the app does
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}"
    engine = create_engine(url)
    await upgrade_to_head(engine)
    sessions = create_session_factory(engine)
    fake = SlowConnector()
    fake.latency = args.latency_ms / 1000
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.server = server
    run_id = uuid.uuid4().hex[:8]
    try:
        forum_id, people = await seed(sessions, fake.url, run_id, args.conversations)
        adapter = ForumAdapter(Settings(), ConversationState(MemoryStorage()))

        base_seconds, base_latencies = await baseline(adapter, fake.url, run_id, args.messages, args.conversations)
        base_posts = len(fake.sent)
        fake.clear()

        enqueue_seconds = await enqueue_all(sessions, forum_id, people, run_id, args.messages)
        limits = TeamsLimits(time.monotonic) if args.teams_limits else UnlimitedLimits()
        calls = TeamsCalls(limits)
        adapter.use(TeamsCallsMiddleware(calls))
        worker = OutboxWorker(
            OutboxDelivery(sessions), ProactiveSender(adapter, "", calls), calls=calls, config=WorkerConfig()
        )
        worker.stats.keep_latencies = True
        started = time.perf_counter()
        sent = 0
        while sent < args.messages:
            drained = await worker.drain()
            if drained == 0:
                break
            sent += drained
        drain_seconds = time.perf_counter() - started
        outbox_posts = len(fake.sent)
    finally:
        await server.close()
        await engine.dispose()
        tmp.cleanup()

    backend = "postgresql" if "postgresql" in url else "sqlite (temp file)"
    base_rate = args.messages / base_seconds
    drain_rate = sent / drain_seconds
    total_rate = sent / (enqueue_seconds + drain_seconds)
    print(f"{args.messages} messages to {args.conversations} conversations, database {backend}")
    print(
        f"pacing: {'Teams limits (all per conversation, 40/s per tenant)' if args.teams_limits else 'off'}; "
        f"fake Teams answers after {args.latency_ms:.0f} ms"
    )
    print(
        f"baseline (naive continue_conversation loop): {base_rate:8.1f} msg/s   "
        f"p50 {percentile(base_latencies, 0.5) * 1000:6.1f} ms   p95 {percentile(base_latencies, 0.95) * 1000:6.1f} ms"
        f"   ({base_posts} posts)"
    )
    print(f"outbox enqueue ({ENQUEUE_BATCH}/transaction):      {args.messages / enqueue_seconds:8.1f} msg/s")
    print(
        f"outbox drain (worker):                       {drain_rate:8.1f} msg/s   "
        f"p50 {percentile(worker.stats.latencies, 0.5) * 1000:6.1f} ms   "
        f"p95 {percentile(worker.stats.latencies, 0.95) * 1000:6.1f} ms   ({outbox_posts} posts, {sent} marked sent)"
    )
    print(f"outbox end to end (enqueue + drain):         {total_rate:8.1f} msg/s")
    print(f"ratio drain/baseline {drain_rate / base_rate:.2f}   end-to-end/baseline {total_rate / base_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--teams-limits", action="store_true")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
