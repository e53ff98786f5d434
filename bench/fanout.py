"""A fan-out through the outbox against a fake Teams that enforces all of Teams' limits.

    python bench/fanout.py [--sizes 50,500,2000] [--latencies 50,200] [--kinds known,new]

For each size N, each kind of recipient and each latency: N people each get one 1:1
prompt (an intent rendered at send time, as check-ins will enqueue them). *known*
people have a 1:1 with the bot already (one request each: the post); *new* people
were never contacted (two requests each: "create conversation", then the post).
The fake Bot Connector on loopback answers after the latency and enforces Teams'
limits exactly (per conversation 7/1 s, 8/2 s, 60/30 s, 1,800/h; per tenant 50
requests in any second), answering 429 with ``Retry-After`` past them.

The baseline is the floor: the requests needed at the bot's pace of 40 requests a
second (80 % of the tenant's 50), so ``ratio`` = time / floor, and 1.00 is as fast
as the pacing allows. Also printed: the 429s Teams answered, posts accepted twice
(duplicates), people who got nothing (losses), and the most sends in flight at once.
SQLite in a temp file. Asserts nothing (machines are noisy); the table in
``bench/README.md`` is pasted from a run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestServer  # noqa: E402
from botbuilder.core import ConversationState, MemoryStorage  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bot.adapter import ForumAdapter  # noqa: E402
from bot.delivery.limiter import TeamsCalls, TeamsCallsMiddleware, use_http_threads  # noqa: E402
from bot.delivery.proactive import ProactiveSender  # noqa: E402
from bot.delivery.worker import OutboxWorker, WorkerConfig  # noqa: E402
from bot.settings import Settings  # noqa: E402
from forum.delivery.intents import Intent, Reader, RendererRegistry, enqueue_intent  # noqa: E402
from forum.delivery.outbox import PersonTarget  # noqa: E402
from forum.delivery.outbox_delivery import OutboxDelivery  # noqa: E402
from forum.delivery.rate_limit import TENANT_PACE, TENANT_REQUESTS_PER_SECOND, TeamsLimits  # noqa: E402
from storage.database import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from storage.models import ForumRow, OutboxMessageRow, PersonRow  # noqa: E402
from storage.types import utcnow  # noqa: E402
from tests.support.fake_connector import FakeConnector  # noqa: E402

PACE = TENANT_REQUESTS_PER_SECOND * TENANT_PACE
TENANT = "bench-tenant"
BOT = {"id": "28:bench-bot", "name": "Foorumibotti"}


@dataclass(frozen=True)
class Result:
    size: int
    kind: str
    latency_ms: int
    seconds: float
    requests_needed: int
    throttled: int
    duplicates: int
    losses: int
    max_in_flight: int

    @property
    def floor(self) -> float:
        return self.requests_needed / PACE

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor


async def prompt(session: AsyncSession, intent: Intent, reader: Reader) -> dict[str, Any]:
    return {"type": "message", "text": f"prompt {intent.data['n']}"}


async def seed(sessions: async_sessionmaker[AsyncSession], url: str, size: int, known: bool) -> tuple[int, list[int]]:
    async with sessions() as session, session.begin():
        channel = {
            "bot": BOT,
            "conversation": {"id": "19:bench", "isGroup": True, "conversationType": "channel", "tenantId": TENANT},
            "channelId": "msteams",
            "serviceUrl": url,
        }
        forum = ForumRow(team_id="19:bench", tenant_id=TENANT, service_url=url, channel_reference=channel)
        session.add(forum)
        people = []
        for index in range(size):
            person = PersonRow(teams_user_id=f"29:p{index}", name=f"P{index}", tenant_id=TENANT)
            if known:
                person.personal_reference = {
                    "bot": BOT,
                    "user": {"id": f"29:p{index}"},
                    "conversation": {"id": f"a:chat-{index}", "conversationType": "personal", "tenantId": TENANT},
                    "channelId": "msteams",
                    "serviceUrl": url,
                }
            people.append(person)
        session.add_all(people)
        await session.flush()
        forum_id, ids = forum.id, [p.id for p in people]
    for first in range(0, size, 100):
        async with sessions() as session, session.begin():
            for index in range(first, min(size, first + 100)):
                await enqueue_intent(
                    session,
                    key=f"bench:{index}",
                    purpose="prompt",
                    target=PersonTarget(ids[index]),
                    data={"n": index},
                    forum_id=forum_id,
                )
    return forum_id, ids


async def unsettled(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, float | None]:
    """Rows not final yet, and the seconds until the next one is due (None: none waits)."""
    async with sessions() as session:
        count = await session.scalar(select(func.count()).where(OutboxMessageRow.status.in_(("pending", "sending"))))
        due = await session.scalar(
            select(func.min(OutboxMessageRow.next_attempt_at)).where(OutboxMessageRow.status == "pending")
        )
    if due is None:
        return int(count or 0), None
    return int(count or 0), max(0.0, (due - utcnow()).total_seconds())


async def one_run(size: int, kind: str, latency_ms: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}")
        await upgrade_to_head(engine)
        sessions = create_session_factory(engine)
        fake = FakeConnector()
        fake.latency = latency_ms / 1000
        enforcer = fake.enforce_teams_limits()
        server = TestServer(fake.app(), host="127.0.0.1")
        await server.start_server()
        fake.server = server
        try:
            await seed(sessions, fake.url, size, known=kind == "known")
            registry = RendererRegistry()
            registry.register("prompt", prompt)
            adapter = ForumAdapter(Settings(), ConversationState(MemoryStorage()))
            calls = TeamsCalls(TeamsLimits(time.monotonic))
            adapter.use(TeamsCallsMiddleware(calls))
            worker = OutboxWorker(OutboxDelivery(sessions, registry), ProactiveSender(adapter, "", calls), calls=calls)
            started = time.perf_counter()
            while True:
                await worker.drain()
                left, due_in = await unsettled(sessions)
                if left == 0:
                    break
                await asyncio.sleep(min(due_in if due_in is not None else 0.05, 5.0))
            seconds = time.perf_counter() - started
        finally:
            await server.close()
            await engine.dispose()
    accepted = Counter(r.text for r in fake.sent if not r.faulted)
    return Result(
        size=size,
        kind=kind,
        latency_ms=latency_ms,
        seconds=seconds,
        requests_needed=size if kind == "known" else 2 * size,
        throttled=enforcer.throttled,
        duplicates=sum(count - 1 for count in accepted.values()),
        losses=size - len(accepted),
        max_in_flight=worker.stats.max_in_flight_seen,
    )


async def run(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    use_http_threads(WorkerConfig().max_in_flight + 16)  # as the app does (bot/delivery/context.py)
    sizes = [int(v) for v in args.sizes.split(",")]
    latencies = [int(v) for v in args.latencies.split(",")]
    kinds = args.kinds.split(",")
    print(f"pace {PACE:.0f} requests/s (80 % of Teams' {TENANT_REQUESTS_PER_SECOND:.0f}/s per tenant); SQLite")
    print(
        "| N | recipients | latency | requests | floor (s) | time (s) | ratio | 429s | duplicates | losses "
        "| max in flight |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for latency in latencies:
        for kind in kinds:
            for size in sizes:
                r = await one_run(size, kind, latency)
                print(
                    f"| {r.size} | {r.kind} | {r.latency_ms} ms | {r.requests_needed} | {r.floor:.2f} | "
                    f"{r.seconds:.2f} | {r.ratio:.3f} | {r.throttled} | {r.duplicates} | {r.losses} | "
                    f"{r.max_in_flight} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,500,2000")
    parser.add_argument("--latencies", default="50,200")
    parser.add_argument("--kinds", default="known,new")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
