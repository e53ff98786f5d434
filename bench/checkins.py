"""Check-in figures: a round opened by a coordinator to the 50th prompt sent, the overview's build
time, and the check-in submit's turns/s against the stock echo bot, measured in the same run.

    python bench/checkins.py [--people 50] [--museums 13] [--submits 200] [--concurrency 8]
                             [--database-url URL]

Everything runs in-process on loopback: the bot (``create_app``) with an in-process fake Bot
Connector as Teams. ``checkin open`` is posted to ``/api/messages`` and the clock runs until
the fake Teams has accepted the 50th prompt, with Teams' limits on (the worker's own pacing:
7 messages/s per conversation, about 50 requests/s per tenant; every person gets a new 1:1
first, so that is two requests each). The overview is built from 7 rounds × 50 answers
(domain + card, as the ``yhteenveto`` command does). The submit figure posts ``checkin.save``
invokes and, as the baseline, the same number of messages to a stock botbuilder echo bot
(``CloudAdapter`` + ``ActivityHandler`` echoing the text) on the same machine; printed as
turns/s and the ratio. SQLite temp file by default. Asserts nothing (machines are noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from botbuilder.core import ActivityHandler, TurnContext  # noqa: E402
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from bot.checkins.context import CHECKINS  # noqa: E402
from bot.components import BOT, DATABASE  # noqa: E402
from bot.delivery.context import DELIVERY  # noqa: E402
from bot.meetings.context import MEETINGS  # noqa: E402
from bot.settings import Settings  # noqa: E402
from cards.checkins.overview import overview_card  # noqa: E402
from forum.checkins.overview import build_overview  # noqa: E402
from forum.delivery.quiet_hours import NEVER_QUIET  # noqa: E402
from forum.meetings.programme import import_programme  # noqa: E402
from forum.meetings.programme_file import parse_programme  # noqa: E402
from storage.checkins.models import CheckinRoundRow, CheckinRow  # noqa: E402
from storage.models import OutboxMessageRow, ParticipantRow  # noqa: E402
from tests.support.activities import TEAM_ID, TEAM_NAME, User, bot_added_to_team, card_execute, personal_message  # noqa: E402
from tests.support.fake_connector import FakeConnector  # noqa: E402

COORDINATOR = User("kaisa", "Kaisa Koordinaattori", "kaisa@museovirasto.fi")


def people(count: int) -> list[User]:
    return [COORDINATOR] + [User(f"p{i}", f"Osallistuja {i}", f"p{i}@museo.fi") for i in range(1, count)]


def programme(users: list[User], museums: int, now: datetime) -> str:
    lines = []
    for m in range(museums):
        members = ", ".join(f'"{u.email}"' for i, u in enumerate(users[1:]) if i % museums == m)
        lines.append(f'[[museums]]\nname = "Museo {m + 1:02d}"\nmembers = [{members}]\n')
    for n in range(7):
        start = (now + timedelta(days=3 + 60 * n)).replace(hour=8, minute=0, second=0, microsecond=0)
        lines.append(
            f'[[meetings]]\nnumber = {n + 1}\ntheme = "Tapaaminen {n + 1}"\n'
            f"starts_at = {start.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
            f"ends_at = {(start + timedelta(hours=6)).strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
        )
    return "\n".join(lines)


async def forum_app(
    database_url: str, connector: FakeConnector, users: list[User], museums: int
) -> TestClient[Any, Any]:
    settings = Settings(
        database_url=database_url,
        coordinators=(COORDINATOR.email,),
        dispatch_interval_seconds=3600.0,
        quiet_hours=NEVER_QUIET,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    connector.members[TEAM_ID] = [u.member() for u in users]
    await client.post("/api/messages", json=bot_added_to_team(connector.url, COORDINATOR))
    app = client.server.app
    forum = await app[BOT].roster.forum_for_team(TEAM_ID)
    assert forum is not None
    async with app[DATABASE].sessions() as session, session.begin():
        await import_programme(
            session, forum.id, parse_programme(programme(users, museums, datetime.now(UTC))),
            now=datetime.now(UTC), hooks=app[MEETINGS].hooks,
        )  # fmt: skip
    return client


async def prompts_sent(client: TestClient[Any, Any]) -> int:
    async with client.server.app[DATABASE].sessions() as session:
        rows = await session.scalars(
            select(OutboxMessageRow).where(
                OutboxMessageRow.purpose == "checkin_prompt", OutboxMessageRow.status == "sent"
            )
        )
        return len(rows.all())


async def open_to_last_prompt(client: TestClient[Any, Any], connector: FakeConnector, count: int) -> float:
    started = time.perf_counter()
    await client.post("/api/messages", json=personal_message(connector.url, COORDINATOR, "kuulumiset avaa"))
    while await prompts_sent(client) < count:
        await client.server.app[DELIVERY].pump.settle()
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def overview_seconds(client: TestClient[Any, Any], repeats: int = 5) -> tuple[float, int, int]:
    """Seven opened rounds × every participant's answer, then the overview built ``repeats`` times."""
    app = client.server.app
    sessions = app[DATABASE].sessions
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        forum_id = (await app[BOT].roster.forum_for_team(TEAM_ID)).id  # type: ignore[union-attr]
        members = (await session.scalars(select(ParticipantRow).where(ParticipantRow.forum_id == forum_id))).all()
        for index in range(7):
            opened = now - timedelta(days=7 * (7 - index) + 1)
            row = CheckinRoundRow(
                forum_id=forum_id, key=f"bench:{index}", opens_at=opened, closes_at=opened + timedelta(days=7),
                opened_at=opened, manual=True, cancelled=False,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            for member in members:
                session.add(
                    CheckinRow(
                        round_id=row.id, participant_id=member.id, museum_id=member.museum_id, status="in_progress",
                        tried="Kokeilimme.", learned="Opimme.", help_wanted="", shared=True, late=False,
                        nothing_to_report=False, answered_at=opened, updated_at=opened,
                    )
                )  # fmt: skip
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        async with sessions() as session:
            overview = await build_overview(session, forum_id, now)
        overview_card(overview, "fi", "Europe/Helsinki")
        times.append(time.perf_counter() - started)
    answers = sum(r.answered_people for r in overview.rounds)
    return statistics.median(times), len(overview.rounds), answers


async def turns_per_second(post: Any, bodies: list[dict[str, Any]], concurrency: int) -> float:
    queue = list(bodies)
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            await post(queue.pop())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(bodies) / (time.perf_counter() - started)


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


async def echo_rate(connector: FakeConnector, count: int, concurrency: int) -> float:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(type("C", (), {"APP_ID": "", "APP_PASSWORD": ""})()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        bodies = [personal_message(connector.url, User(f"e{i}", "E", "e@x.fi"), "hei") for i in range(count)]

        async def post(body: dict[str, Any]) -> None:
            await client.post("/api/messages", json=body)

        return await turns_per_second(post, bodies, concurrency)


async def submit_rate(
    client: TestClient[Any, Any], connector: FakeConnector, users: list[User], count: int, concurrency: int
) -> float:
    app = client.server.app
    async with app[DATABASE].sessions() as session:
        current = await session.scalar(
            select(CheckinRoundRow).where(CheckinRoundRow.opened_at.is_not(None)).order_by(CheckinRoundRow.id.desc())
        )
    assert current is not None
    data = {
        "verb": "checkin.save", "roundId": current.id, "experiment": "new", "new_experiment": "Kokeilu",
        "status": "in_progress", "tried": "Kokeilimme.", "learned": "Opimme.", "shared": "false",
    }  # fmt: skip
    members = users[1:]
    bodies = [card_execute(connector.url, members[i % len(members)], "checkin.save", dict(data)) for i in range(count)]
    app[CHECKINS].kick = lambda: None  # the figure is the turn, not the outbox behind it

    async def post(body: dict[str, Any]) -> None:
        await client.post("/api/messages", json=body)

    return await turns_per_second(post, bodies, concurrency)


async def run(args: argparse.Namespace) -> None:
    connector = FakeConnector()
    connector.teams[TEAM_ID] = {"id": TEAM_ID, "name": TEAM_NAME, "aadGroupId": "group-1"}
    server = TestServer(connector.app(), host="127.0.0.1")
    await server.start_server()
    connector.server = server
    users = people(args.people)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        client = await forum_app(url, connector, users, args.museums)
        try:
            seconds = await open_to_last_prompt(client, connector, args.people)
            print(f"checkin open -> prompt {args.people} sent (Teams limits on): {seconds:.2f} s")
            echo = await echo_rate(connector, args.submits, args.concurrency)
            submit = await submit_rate(client, connector, users, args.submits, args.concurrency)
            print(
                f"stock echo bot: {echo:.0f} turns/s; check-in submit: {submit:.0f} turns/s; ratio {submit / echo:.2f}x"
            )
            built, rounds, answers = await overview_seconds(client)
            per_round = answers // max(rounds, 1)
            print(f"overview build (domain + card), {rounds} rounds x {per_round} answers: {built * 1000:.1f} ms")
        finally:
            await client.close()
            await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--museums", type=int, default=13)
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
