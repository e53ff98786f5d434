"""Start-up time and idle memory of the bot, against a bare aiohttp server in the same run.

    python bench/startup.py [--runs 5] [--database-url URL]

For each run: start ``python app.py`` on a free port with a fresh SQLite file
(or the given database), time until ``GET /readyz`` answers 200, wait two
seconds idle, read VmRSS from /proc. The baseline is a bare aiohttp app that
only answers ``/readyz``: the difference is what the bot itself costs.
Prints medians; asserts nothing (machines are noisy).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = (
    "from aiohttp import web\n"
    "async def ready(_): return web.json_response({'status': 'ready'})\n"
    "app = web.Application(); app.router.add_get('/readyz', ready)\n"
    "import os; web.run_app(app, host='127.0.0.1', port=int(os.environ['PORT']), print=None)\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(command: list[str], env: dict[str, str], port: int) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
        else:
            raise RuntimeError(f"{command} never became ready")
        ready_after = time.perf_counter() - started
        time.sleep(2)
        return ready_after, rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"bot": [], "bare aiohttp": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            env = dict(os.environ, PORT=str(port), HOST="127.0.0.1")
            env["DATABASE_URL"] = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
            results["bot"].append(measure([sys.executable, "app.py"], env, port))
            port = free_port()
            env = dict(os.environ, PORT=str(port))
            results["bare aiohttp"].append(measure([sys.executable, "-c", BARE_APP], env, port))
    print(f"{'':14} {'to /readyz 200 (s)':>20} {'idle RSS (MiB)':>16}   median of {args.runs}, fresh database")
    for name, rows in results.items():
        print(f"{name:14} {statistics.median(r[0] for r in rows):20.2f} {statistics.median(r[1] for r in rows):16.1f}")
    bot, bare = results["bot"], results["bare aiohttp"]
    print(
        f"bot costs +{statistics.median(r[0] for r in bot) - statistics.median(r[0] for r in bare):.2f} s and "
        f"+{statistics.median(r[1] for r in bot) - statistics.median(r[1] for r in bare):.1f} MiB over the baseline"
    )


if __name__ == "__main__":
    main()
