"""The results card's build time and SQL statements with 100, 10,000 and 100,000 stored answers.

    python bench/poll_results.py [--database-url URL] [--sizes 100,10000,100000] [--repeat 5]

For each size a fresh copy of the forum's survey gets that many stored answers (every
statement answered, an open answer in about three responses of ten), then the results are
read (``forum.polls.results.poll_results``) and the card built (``cards.polls.results``)
``--repeat`` times. Prints the median milliseconds, the number of SQL statements one build
issues (it must not grow with the answers) and each size's time as a ratio to the smallest
size measured in the same run. A SQLite temp file by default; with ``--database-url``
(PostgreSQL) the polls are added to that database and left there. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from cards.polls.results import results_card  # noqa: E402
from forum.polls.results import poll_results  # noqa: E402
from storage.database import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from tests.forum.polls.seeding import seed_answers, seed_poll  # noqa: E402
from tests.support.outbox import seed_forum  # noqa: E402


async def run(database_url: str, sizes: list[int], repeat: int) -> list[tuple[int, float, int]]:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    sessions = create_session_factory(engine)
    forum_id = await seed_forum(sessions, "http://127.0.0.1:9/", team_id=f"bench-{time.time_ns()}")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    figures = []
    for size in sizes:
        poll = await seed_poll(sessions, forum_id)
        await seed_answers(sessions, poll, size)
        timings = []
        for attempt in range(repeat + 1):  # the first build warms statement caches: not counted
            statements.clear()
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            started = time.perf_counter()
            async with sessions() as session:
                results = await poll_results(session, poll.id)
            results_card(results, "fi", chart_url="https://bot.example/polls/chart/x/poll-1.png")
            elapsed = (time.perf_counter() - started) * 1000
            event.remove(engine.sync_engine, "before_cursor_execute", count)
            if attempt:
                timings.append(elapsed)
        figures.append((size, statistics.median(timings), len(statements)))
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        figures = asyncio.run(run(url, sizes, args.repeat))
    base = figures[0][1]
    print(f"results card build on {url.split(':', 1)[0]}, median of {args.repeat}")
    print(f"{'answers':>9} {'ms':>9} {'SQL statements':>15} {'time vs ' + str(figures[0][0]):>14}")
    for size, millis, count in figures:
        print(f"{size:>9} {millis:>9.1f} {count:>15} {millis / base:>13.2f}x")


if __name__ == "__main__":
    main()
