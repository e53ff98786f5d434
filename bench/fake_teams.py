"""The fake Bot Connector of the tests as a process of its own, for the benchmarks.

    python bench/fake_teams.py --port 29101 --members 200

Serves ``tests/support/fake_connector.py`` on loopback with the forum's team
and ``--members`` people on its roster (``bench_member(n)``), and
``GET /_bench/stats`` (how many posts and updates it answered). A process of
its own so that answering the bots' replies does not share the event loop,
nor the core, with the load generator.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from tests.support.activities import TEAM_ID, TEAM_NAME, User  # noqa: E402
from tests.support.fake_connector import FakeConnector  # noqa: E402

logger = logging.getLogger("bench.fake_teams")


def bench_member(n: int) -> User:
    """The n-th person on the bench forum's roster (0 is the coordinator)."""
    return User(f"bench{n}", f"Bench Person {n}", f"bench{n}@museo.fi")


def build(members: int) -> web.Application:
    fake = FakeConnector()
    fake.teams[TEAM_ID] = {"id": TEAM_ID, "name": TEAM_NAME, "aadGroupId": "group-bench"}
    fake.members[TEAM_ID] = [bench_member(n).member() for n in range(members)]

    async def stats(_request: web.Request) -> web.Response:
        kinds = Counter(f"{r.method} {'team' if r.conversation_id == TEAM_ID else 'other'}" for r in fake.requests)
        fake.requests.clear()  # a long run must not grow without bound
        return web.json_response(dict(kinds))

    app = web.Application()
    app.router.add_get("/_bench/stats", stats)
    app.router.add_route("*", "/{tail:.*}", fake._dispatch)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(build(args.members), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
