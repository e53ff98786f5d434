"""Where a turn's CPU goes: cProfile over many ``help`` turns, RSVP presses, check-in submits or
poll votes, one at a time.

    python bench/profile_turn.py [--case help|rsvp|checkin|poll] [--turns 200] [--members 200]
                                 [--sort tottime|cumulative] [--top 30] [--database-url URL]

The product runs in this process (``create_app``, SQLite temp file by
default) with the tests' fake Bot Connector on loopback, installed with
``--members`` people and meeting 1 announced, as ``bench/inbound.py`` sets it
up (for ``checkin`` the coordinator also opens a round; for ``poll`` starts and
posts the survey). The turns go one after another; the profile covers everything
the process does meanwhile and until the outbox is idle, the card updates
included (coalesced over ``CARD_UPDATE_DELAY_SECONDS``, as deployed), so the
figures are per turn *and* what the turn causes. Prints CPU ms per turn and the
top functions. (py-spy is not installed on these machines; cProfile's overhead
inflates small functions.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from bench.fake_teams import bench_member  # noqa: E402
from bench.inbound import Context, checkin_submit, help_turn, poll_vote, rsvp_press  # noqa: E402
from bench.sampler import Sampler  # noqa: E402
from bot.components import DATABASE  # noqa: E402
from bot.delivery.context import DELIVERY  # noqa: E402
from bot.settings import Settings  # noqa: E402
from forum.delivery.quiet_hours import NEVER_QUIET  # noqa: E402
from tests.bot.meetings.helpers import future_day, programme_text, seed_programme  # noqa: E402
from tests.support.activities import TEAM_ID, TEAM_NAME, card_execute, personal_message  # noqa: E402
from tests.support.driver import Driver  # noqa: E402
from tests.support.fake_connector import FakeConnector  # noqa: E402


class StatementTimes:
    """Time spent in the driver per SQL statement text, from SQLAlchemy's cursor events.

    Why: with inline SQLite the database's own work runs on the loop, so a statement that
    scans shows up as turn time; this says which one.
    """

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}
        self._engine: Any = None

    def attach(self, engine: Any) -> None:
        self._engine = engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def detach(self) -> None:
        if self._engine is not None:
            event.remove(self._engine, "before_cursor_execute", self._before)
            event.remove(self._engine, "after_cursor_execute", self._after)
            self._engine = None

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        took = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        entry = self.totals.setdefault(" ".join(statement.split())[:150], [0, 0.0])
        entry[0] += 1
        entry[1] += took

    def report(self, turns: int, top: int) -> str:
        rows = sorted(self.totals.items(), key=lambda item: -item[1][1])[:top]
        total = sum(t for _, t in self.totals.values()) * 1000 / turns
        lines = [f"SQL statements: {total:.2f} ms per turn in the driver; per statement text (count/turn, ms/turn):"]
        lines += [f"  {count / turns:5.2f}  {took * 1000 / turns:6.3f}  {text}" for text, (count, took) in rows]
        return "\n".join(lines)


CASES = {"help": help_turn, "rsvp": rsvp_press, "checkin": checkin_submit, "poll": poll_vote}


async def prepare_case(driver: Driver, case: str, coordinator: Any) -> None:
    """What ``bench/inbound.py``'s ``prepare`` does for the case, in this process."""
    if case == "checkin":
        await driver.send(personal_message(driver.service_url, coordinator, "kuulumiset avaa"))
    elif case == "poll":
        await driver.send(personal_message(driver.service_url, coordinator, "kysely aloita 1"))
        await driver.send(card_execute(driver.service_url, coordinator, "poll.post", {"pollId": 1}))


async def profile(args: argparse.Namespace, database_url: str) -> None:
    fake = FakeConnector()
    fake.teams[TEAM_ID] = {"id": TEAM_ID, "name": TEAM_NAME}
    connector_server = TestServer(fake.app(), host="127.0.0.1")
    await connector_server.start_server()
    fake.server = connector_server
    settings = Settings(
        database_url=database_url,
        coordinators=(bench_member(0).email,),
        dispatch_interval_seconds=3600.0,
        quiet_hours=NEVER_QUIET,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        driver = Driver(client, fake)
        people = tuple(bench_member(n) for n in range(args.members))
        await driver.install(people)
        await seed_programme(driver, programme_text(future_day(), host_members=(people[1],)))
        await driver.send(personal_message(driver.service_url, people[0], "ilmoita 1"))
        await driver.send(card_execute(driver.service_url, people[0], "meeting.post", {"meetingId": 1}))
        await prepare_case(driver, args.case, people[0])
        pump = client.server.app[DELIVERY].pump
        await pump.settle()
        ctx = Context(service_url=driver.service_url, members=args.members)
        build = CASES[args.case]
        for n in range(args.members):  # warm-up: every member's first contact and first answer
            await driver.send(build(ctx, n))
        await pump.settle()
        fake.clear()
        if args.turn_only:
            pump.kick = lambda: None  # type: ignore[method-assign]  # the card updates wait: the turn alone

        statements = StatementTimes()
        if args.statements:
            statements.attach(client.server.app[DATABASE].engine.sync_engine)
        profiler = cProfile.Profile()
        sampler = Sampler()
        began_cpu, began = time.process_time(), time.perf_counter()
        if args.sample:
            sampler.__enter__()
        elif not args.plain:
            profiler.enable()
        for n in range(args.members, args.members + args.turns):
            await driver.send(build(ctx, n))
        await pump.settle()  # what the turns caused (card updates, coalesced as deployed) is in the figures
        profiler.disable()
        if args.sample:
            sampler.__exit__()
        cpu, wall = time.process_time() - began_cpu, time.perf_counter() - began
        statements.detach()
    finally:
        await client.close()
        await connector_server.close()
    per_turn = 1000 / args.turns
    print(f"{args.case}: {args.turns} turns, CPU {cpu * per_turn:.1f} ms/turn, wall {wall * per_turn:.1f} ms/turn")
    print(f"connector requests during the profile: {len(fake.requests)}")
    if args.statements:
        print(statements.report(args.turns, args.top))
    if args.sample:
        print(sampler.report(wall * per_turn, top=args.top, pattern=args.pattern))
    elif not args.plain:
        if args.dump:
            profiler.dump_stats(args.dump)
        pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=sorted(CASES), default="rsvp")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--database-url")
    parser.add_argument("--dump", help="also write the raw profile here (for pstats or snakeviz)")
    parser.add_argument("--turn-only", action="store_true", help="the outbox is not woken: the turn's own cost")
    parser.add_argument("--plain", action="store_true", help="no profiler: the CPU and wall time per turn only")
    parser.add_argument(
        "--statements", action="store_true", help="also time each SQL statement (the driver's execute) per turn"
    )
    parser.add_argument("--sample", action="store_true", help="a sampling profile instead (bench/sampler.py)")
    parser.add_argument("--pattern", help="with --sample: only functions whose path:name matches this regex")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'profile.db'}"
        asyncio.run(profile(args, url))


if __name__ == "__main__":
    main()
