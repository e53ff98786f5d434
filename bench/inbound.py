"""Inbound turns per second: the product against a bare botbuilder echo bot, in the same run.

    python bench/inbound.py [--databases sqlite,postgres] [--cases help,rsvp]
                            [--concurrency 1,8,32] [--requests 200] [--rounds 2]
                            [--members 200] [--port-base 29100]

Starts, on loopback, each as a process of its own: the fake Bot Connector
(``bench/fake_teams.py``, the tests' fake with ``--members`` people on the
team's roster), the product (``python app.py``, fresh SQLite file or a fresh
PostgreSQL database, migrated first by ``manage.py migrate`` as the container's
entrypoint does), the stock echo bot and the echo bot with the msrest fix
(``bench/echo_bot.py``). The product is installed into the team, gets the
programme and posts meeting 1's announcement, as in Teams. Then, for each
case and concurrency ``c``, ``--requests`` real Bot Framework activities are
posted to each bot's ``/api/messages`` by ``c`` concurrent clients, the
bots' order alternating between rounds so noise shows. Printed: requests/s,
p50/p95/p99 latency, errors (an HTTP status other than 200/201, or an invoke
answered with anything but a card), each as a ratio to both echo bots; peak
RSS of every process. The warm-up (every member once per case) counts its
errors too. Asserts nothing: the machine is shared and noisy.

Cases live in ``CASES``: a name and a function building the n-th activity. To
add one (a check-in submit, a poll vote), write ``def my_case(ctx, n) ->
dict`` with ``tests/support/activities.py`` and, if it needs data (a round,
a poll), a ``prepare(ctx)`` coroutine that makes it through
``/api/messages`` like the announcement in ``prepare_meeting``; then add
``Case("my_case", my_case, prepare=...)`` to ``CASES``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.fake_teams import bench_member  # noqa: E402
from tests.bot.meetings.helpers import future_day, programme_text  # noqa: E402
from tests.support.activities import (  # noqa: E402
    TEAM_ID,
    bot_added_to_team,
    card_execute,
    channel_conversation,
    personal_message,
)

PYTHON = sys.executable
ANSWERS = ("on_site", "online", "cannot")
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
PRODUCT, STOCK, FIXED = "product", "echo", "echo+fix"
TARGETS = (PRODUCT, STOCK, FIXED)


# --- the cases ---------------------------------------------------------------


@dataclass
class Context:
    service_url: str
    members: int
    meeting_id: int = 1
    channel: dict[str, Any] = field(default_factory=channel_conversation)
    meeting_posted: bool = False
    """Set by ``prepare_meeting``: the cases after the first one find the meeting posted."""


def help_turn(ctx: Context, n: int) -> dict[str, Any]:
    """``help`` in a member's 1:1 chat (a known member: the warm-up was their first contact)."""
    return personal_message(ctx.service_url, bench_member(n % ctx.members), "help", locale="fi-FI")


def rsvp_press(ctx: Context, n: int) -> dict[str, Any]:
    """An RSVP press on the channel card; each member's answer changes from press to press."""
    member = n % ctx.members
    answer = ANSWERS[(member + n // ctx.members) % len(ANSWERS)]
    data = {"verb": "meeting.rsvp", "meetingId": ctx.meeting_id, "answer": answer}
    return card_execute(ctx.service_url, bench_member(member), "meeting.rsvp", data, conversation=ctx.channel)


@dataclass(frozen=True)
class Case:
    name: str
    activity: Callable[[Context, int], dict[str, Any]]
    prepare: Callable[[Context, str], Awaitable[None]] | None = None
    """Makes the data the case needs in the product (its URL given), before the warm-up."""


async def prepare_meeting(ctx: Context, product_url: str) -> None:
    """Programme imported with the CLI, meeting 1 announced and posted by the coordinator (once per run)."""
    if ctx.meeting_posted:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as programme:
        programme.write(programme_text(future_day(), host_members=(bench_member(1),)))
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "import-programme", programme.name, "--team", TEAM_ID],
        check=True,
        env=_product_env,
        cwd=_product_cwd,
        stdout=subprocess.DEVNULL,
    )
    coordinator = bench_member(0)
    async with aiohttp.ClientSession() as session:
        await _post(session, product_url, personal_message(ctx.service_url, coordinator, "ilmoita 1"))
        data = {"verb": "meeting.post", "meetingId": ctx.meeting_id}
        await _post(session, product_url, card_execute(ctx.service_url, coordinator, "meeting.post", data))
        for _ in range(100):  # until the card is in the channel
            async with session.get(ctx.service_url + "_bench/stats") as response:
                if (await response.json()).get("POST team"):
                    ctx.meeting_posted = True
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("the announcement never reached the channel")


def checkin_submit(ctx: Context, n: int) -> dict[str, Any]:
    """A check-in card saved in a member's 1:1 (the open round; the museum picked on the card)."""
    data = {
        "verb": "checkin.save", "museum": "1", "experiment": "new", "new_experiment": f"Kokeilu {n % 7}",
        "status": "in_progress", "tried": "Kokeilimme opastusta.", "learned": f"Opimme {n}.", "shared": "false",
    }  # fmt: skip
    return card_execute(ctx.service_url, bench_member(n % ctx.members), "checkin.save", data)


async def prepare_round(ctx: Context, product_url: str) -> None:
    """The programme as for the RSVP, then the coordinator opens a check-in round now."""
    await prepare_meeting(ctx, product_url)
    async with aiohttp.ClientSession() as session:
        await _post(session, product_url, personal_message(ctx.service_url, bench_member(0), "kuulumiset avaa"))


def poll_vote(ctx: Context, n: int) -> dict[str, Any]:
    """An answer to the forum survey's first statement on the channel card; it changes from press to press."""
    data = {"verb": "poll.answer", "pollId": 1, "q1": str((n // ctx.members + n) % 6)}
    return card_execute(ctx.service_url, bench_member(n % ctx.members), "poll.answer", data, conversation=ctx.channel)


async def prepare_poll(ctx: Context, product_url: str) -> None:
    """The programme as for the RSVP, then the coordinator starts the survey (poll 1) and posts it."""
    await prepare_meeting(ctx, product_url)
    coordinator = bench_member(0)
    async with aiohttp.ClientSession() as session:
        async with session.get(ctx.service_url + "_bench/stats") as response:
            await response.json()  # the counts start again from here (stats clears them)
        await _post(session, product_url, personal_message(ctx.service_url, coordinator, "kysely aloita 1"))
        data = {"verb": "poll.post", "pollId": 1}
        await _post(session, product_url, card_execute(ctx.service_url, coordinator, "poll.post", data))
        # Until the poll card is in the channel: after the check-in case, the outbox first sends
        # the round's 50 prompts (a 1:1 conversation created for each), which takes seconds here.
        for _ in range(600):
            async with session.get(ctx.service_url + "_bench/stats") as response:
                if (await response.json()).get("POST team", 0) > 0:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("the poll card never reached the channel")


CASES: dict[str, Case] = {
    "help": Case("help", help_turn),
    "rsvp": Case("rsvp", rsvp_press, prepare=prepare_meeting),
    "checkin": Case("checkin", checkin_submit, prepare=prepare_round),
    "poll": Case("poll", poll_vote, prepare=prepare_poll),
}


# --- processes ---------------------------------------------------------------

_product_env: dict[str, str] = {}
_product_cwd = ""


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, args: list[str], port: int, workdir: Path, env: dict[str, str] | None = None) -> Server:
    if not port_free(port):
        raise SystemExit(f"port {port} is taken: pass another --port-base")
    log = workdir / f"{name.replace('+', '_')}.log"
    process = subprocess.Popen(
        [PYTHON, *args], cwd=workdir, env=env or os.environ.copy(), stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    server = Server(name, f"http://127.0.0.1:{port}/", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited at start; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{name} did not start; see {log}")


async def _post(session: aiohttp.ClientSession, url: str, activity: dict[str, Any]) -> bool:
    """Post one activity; True when it was answered as it should be."""
    async with session.post(url + "api/messages", json=activity) as response:
        if response.status not in (200, 201):
            await response.read()
            return False
        if activity["type"] != "invoke":
            await response.read()
            return True
        body = await response.json()
        return isinstance(body, dict) and body.get("statusCode") == 200 and body.get("type") == CARD_TYPE


# --- load --------------------------------------------------------------------


@dataclass
class Cell:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def load(url: str, build: Callable[[int], dict[str, Any]], requests: int, concurrency: int, offset: int) -> Cell:
    activities = [build(offset + n) for n in range(requests)]
    latencies: list[float] = []
    errors = 0
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def worker() -> None:
            nonlocal next_index, errors
            while next_index < len(activities):
                activity = activities[next_index]
                next_index += 1
                began = time.perf_counter()
                try:
                    ok = await _post(session, url, activity)
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                latencies.append(time.perf_counter() - began)
                errors += 0 if ok else 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    return Cell(requests, seconds, latencies, errors)


# --- the run -----------------------------------------------------------------


@dataclass
class Results:
    cells: dict[tuple[str, str, int, int, str], Cell] = field(default_factory=dict)
    """(database, case, c, round, target) → its cell."""
    warmup_errors: dict[tuple[str, str], int] = field(default_factory=dict)
    rss: dict[tuple[str, str], float] = field(default_factory=dict)


async def run_database(database: str, index: int, args: argparse.Namespace, workdir: Path, results: Results) -> None:
    global _product_env, _product_cwd
    base = args.port_base + 10 * index
    teams_args = [str(ROOT / "bench" / "fake_teams.py"), "--port", str(base + 1), "--members", str(args.members)]
    teams = start("fake_teams", teams_args, base + 1, workdir)
    servers = [teams]
    pg_name: str | None = None
    try:
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{time.time_ns()}.db'}"
        if database == "postgres":
            pg_name, url = await create_postgres_database()
        _product_env = {
            **os.environ,
            "PORT": str(base + 2),
            "HOST": "127.0.0.1",
            "DATABASE_URL": url,
            "COORDINATORS": bench_member(0).email,
            "QUIET_HOURS": "none",
            "DISPATCH_INTERVAL_SECONDS": "3600",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{base + 2}",
            **({"TEAMS_TENANT_RPS": str(args.tenant_rps)} if args.tenant_rps else {}),
        }
        _product_cwd = str(workdir)
        # As deployed (scripts/entrypoint.sh): the schema is migrated before the bot starts,
        # so app.py starts at head and never loads Alembic (storage/migrate.py), which
        # would otherwise count in the product's peak RSS.
        subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), "migrate"],
            check=True,
            env=_product_env,
            cwd=_product_cwd,
            stdout=subprocess.DEVNULL,
        )
        bots = {
            PRODUCT: start(PRODUCT, [str(ROOT / "app.py")], base + 2, workdir, _product_env),
            STOCK: start(STOCK, [str(ROOT / "bench" / "echo_bot.py"), "--port", str(base + 3)], base + 3, workdir),
            FIXED: start(
                FIXED,
                [str(ROOT / "bench" / "echo_bot.py"), "--port", str(base + 4), "--cached-clients"],
                base + 4,
                workdir,
            ),
        }
        servers.extend(bots.values())
        ctx = Context(service_url=teams.url, members=args.members)
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, bots[PRODUCT].url)
            if not await _post(session, bots[PRODUCT].url, bot_added_to_team(ctx.service_url, bench_member(0))):
                raise SystemExit("installing the product into the team failed")
        for name in args.cases:
            case = CASES[name]
            if case.prepare is not None:
                await case.prepare(ctx, bots[PRODUCT].url)
            for target, bot in bots.items():  # warm-up: every member once
                cell = await load(bot.url, lambda n, case=case: case.activity(ctx, n), args.members, 8, 0)
                results.warmup_errors[(database, f"{name}:{target}")] = cell.errors
            offset = args.members
            for concurrency in args.concurrency:
                for round_ in range(args.rounds):
                    order = TARGETS if round_ % 2 == 0 else tuple(reversed(TARGETS))
                    for target in order:
                        cell = await load(
                            bots[target].url,
                            lambda n, case=case: case.activity(ctx, n),
                            args.requests,
                            concurrency,
                            offset,
                        )
                        offset += args.requests
                        results.cells[(database, name, concurrency, round_, target)] = cell
                        print(
                            f"  {database:8} {name:6} c={concurrency:<3} round {round_ + 1} {target:9} "
                            f"{cell.rate:7.1f} req/s  p50 {cell.percentile(0.5):6.1f} ms  "
                            f"p99 {cell.percentile(0.99):7.1f} ms  errors {cell.errors}",
                            flush=True,
                        )
        for name, server in (("fake_teams", teams), *bots.items()):
            results.rss[(database, name)] = server.peak_rss_mib()
    finally:
        for server in reversed(servers):
            server.stop()
        if pg_name is not None:
            await drop_postgres_database(pg_name)


async def wait_ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with session.get(url + "readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit(f"{url} never became ready")


async def create_postgres_database() -> tuple[str, str]:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    from tests.support.databases import _dsn, postgres_admin_url

    name = f"foorumibotti_bench_{os.getpid()}"
    connection = await asyncpg.connect(_dsn(postgres_admin_url()), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(name: str) -> None:
    import asyncpg

    from tests.support.databases import _dsn, postgres_admin_url

    connection = await asyncpg.connect(_dsn(postgres_admin_url()), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def table_row(results: Results, database: str, name: str, concurrency: int, rounds: int) -> str:
    def cells(target: str) -> list[Cell]:
        return [results.cells[(database, name, concurrency, r, target)] for r in range(rounds)]

    product, stock, fixed = cells(PRODUCT), cells(STOCK), cells(FIXED)

    def rates(group: list[Cell]) -> str:
        return " / ".join(f"{cell.rate:.0f}" for cell in group)

    def ratios(over: list[Cell]) -> str:
        return " / ".join(f"{p.rate / o.rate:.2f}" if o.rate else "-" for p, o in zip(product, over, strict=True))

    def latency(q: float) -> str:
        mine = statistics.median(cell.percentile(q) for cell in product)
        theirs = statistics.median(cell.percentile(q) for cell in stock)
        return f"{mine:.1f} / {theirs:.1f}"

    errors = "/".join(str(sum(cell.errors for cell in group)) for group in (product, stock, fixed))
    return (
        f"| {database} | {name} | {concurrency} | {rates(product)} | {rates(stock)} | {rates(fixed)} "
        f"| {ratios(stock)} | {ratios(fixed)} | {latency(0.5)} | {latency(0.95)} | {latency(0.99)} | {errors} |"
    )


def report(results: Results, args: argparse.Namespace) -> None:
    print()
    print(
        f"requests per cell {args.requests}, rounds {args.rounds}, members {args.members}; "
        "ratios are product / echo bot, one figure per round"
    )
    print()
    header = (
        "| db | case | c | product req/s | echo req/s | echo+fix req/s | × echo | × echo+fix "
        "| p50 ms product / echo | p95 ms product / echo | p99 ms product / echo | errors product/echo/echo+fix |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for database in args.databases:
        for name in args.cases:
            for concurrency in args.concurrency:
                print(table_row(results, database, name, concurrency, args.rounds))
    print()
    print("warm-up errors: " + ", ".join(f"{db} {key} {n}" for (db, key), n in sorted(results.warmup_errors.items())))
    print("peak RSS MiB: " + ", ".join(f"{db} {name} {mib:.0f}" for (db, name), mib in sorted(results.rss.items())))
    for database in args.databases:
        product = results.rss.get((database, PRODUCT))
        stock = results.rss.get((database, STOCK))
        if product and stock:
            print(f"peak RSS product / echo ({database}): {product / stock:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--port-base", type=int, default=29100, help="ports base+1..4, +10 per database")
    parser.add_argument("--logs", help="keep the processes' logs (and the SQLite file) in this folder")
    parser.add_argument(
        "--tenant-rps",
        type=float,
        help="the product's TEAMS_TENANT_RPS: every `help` reply is a Teams call, paced per tenant at 80 %% "
        "of Teams' 50/s (40 replies/s, the bench's members share one tenant; the echo bots do not pace). "
        "A higher value measures the turn's own cost, which real Teams would not allow in one tenant",
    )
    args = parser.parse_args()
    args.databases = [d for d in args.databases.split(",") if d]
    args.cases = [c for c in args.cases.split(",") if c]
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        raise SystemExit(f"unknown cases {unknown}; known: {', '.join(CASES)}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"product's TEAMS_TENANT_RPS: {args.tenant_rps or 'default (50, paced at 40/s)'}")
    results = Results()
    with tempfile.TemporaryDirectory(prefix="bench-inbound-") as folder:
        workdir = Path(args.logs or folder)
        workdir.mkdir(parents=True, exist_ok=True)
        for index, database in enumerate(args.databases):
            asyncio.run(run_database(database, index, args, workdir, results))
    report(results, args)


if __name__ == "__main__":
    main()
