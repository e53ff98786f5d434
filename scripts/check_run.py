"""Prove the README's run command on a fresh clone: install, start, answer `help`, stop.

    python3 scripts/check_run.py [--repo DIR] [--port N] [--timeout SECONDS] [--keep]

Why (issue 6): `./scripts/run.sh` crashed on a fresh machine (SQLAlchemy's asyncio support
without greenlet) while CI was green, because the tests' venv had the package the run venv
lacked. So this check shares nothing with the tests: it clones the committed tree (HEAD of
--repo) into a temporary folder, runs `scripts/run.sh` there exactly as the README says (its
own `.venv`, runtime lock only, PORT set), waits for `GET /readyz` 200, sends one real Bot
Framework `message` activity `help` to `/api/messages` whose `serviceUrl` is a tiny fake Bot
Connector here (it records what the bot posts), checks that an Adaptive Card came back, sends
SIGTERM and expects exit 0. Standard library only: it runs before any venv exists.

Exit 0 when all of it held; 1 with the reason (and the bot's last log lines) otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

logger = logging.getLogger("check_run")

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# A first start installs the runtime lock (~25 s on an idle machine); CI shares two cores.
DEFAULT_READY_TIMEOUT = 300.0
REPLY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


TENANT = "72f988bf-0000-0000-0000-00000000c4ec"
USER = {"id": "29:check-run", "name": "Check Run", "aadObjectId": "00000000-0000-0000-0000-00000000c4ec"}
MEMBER = {
    **USER,
    "email": "check.run@example.org",
    "userPrincipalName": "check.run@example.org",
    "givenName": "Check",
    "surname": "Run",
    "tenantId": TENANT,
    "userRole": "user",
}


class CheckFailed(Exception):
    """One step of the check did not hold; the message says which and why."""


class FakeConnector:
    """The Bot Connector the bot replies to: records every POST, answers like Teams (201 + id)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    body = {}
                with connector._arrived:
                    connector.posts.append((self.path, body))
                    connector._arrived.notify_all()
                self._json(201, {"id": f"reply-{len(connector.posts)}"})

            def do_GET(self) -> None:
                # The bot looks the sender up (GET .../members/{id}) before it answers.
                parts = [part for part in self.path.split("?")[0].split("/") if part]
                if parts[:2] == ["v3", "conversations"] and len(parts) == 5 and parts[3] == "members":
                    self._json(200, MEMBER)
                elif parts[:2] == ["v3", "conversations"] and len(parts) == 4 and parts[3] == "members":
                    self._json(200, [MEMBER])
                else:
                    self._json(404, {"error": {"code": "NotFound", "message": self.path}})

            def _json(self, status: int, body: Any) -> None:
                answer = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("connector: " + format, *args)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeConnector:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for_card(self, timeout: float) -> dict[str, Any]:
        """The first posted activity carrying an Adaptive Card attachment."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for _path, body in self.posts:
                    for attachment in body.get("attachments") or []:
                        if attachment.get("contentType") == ADAPTIVE_CARD:
                            return body
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CheckFailed(
                        f"no Adaptive Card reached the fake Bot Connector in {timeout:.0f} s: {self.posts}"
                    )
                self._arrived.wait(left)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_clone(repo: Path, into: Path) -> Path:
    """A clone of the committed HEAD of ``repo`` (a worktree's own HEAD too), nothing uncommitted."""
    tree = into / "tree"
    head = _git(repo, "rev-parse", "HEAD").strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(repo), str(tree)], check=True)
    _git(tree, "fetch", "--quiet", str(repo), head)
    _git(tree, "checkout", "--quiet", "--detach", head)
    logger.info("cloned %s at %s into %s", repo, head[:12], tree)
    return tree


def _git(where: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True, text=True).stdout


def help_activity(service_url: str) -> dict[str, Any]:
    """A 1:1 `help` as Teams sends it."""
    return {
        "type": "message",
        "id": "check-run-help-1",
        "timestamp": "2026-01-01T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": dict(USER),
        "recipient": {"id": "28:foorumibotti", "name": "Foorumibotti"},
        "conversation": {"id": "a:check-run-personal", "conversationType": "personal", "tenantId": TENANT},
        "locale": "en-US",
        "text": "help",
        "textFormat": "plain",
        "channelData": {"tenant": {"id": TENANT}},
    }


def http(method: str, url: str, body: dict[str, Any] | None = None, timeout: float = 10.0) -> int:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@contextmanager
def bot_process(tree: Path, port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`scripts/run.sh` as the README says, with PORT; the environment's venv never leaks in."""
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    for key in list(env):
        if key.startswith("Microsoft") or key in {"DATABASE_URL", "LOG_FILE", "METRICS_PORT"}:
            del env[key]
    env.update(PORT=str(port), HOST="127.0.0.1")
    with log_path.open("wb") as log:
        process = subprocess.Popen(["./scripts/run.sh"], cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def wait_ready(process: subprocess.Popen[bytes], base: str, timeout: float) -> float:
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise CheckFailed(f"scripts/run.sh exited with {process.returncode} before /readyz answered 200")
        try:
            if http("GET", base + "/readyz", timeout=2.0) == 200:
                return time.monotonic() - started
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() - started > timeout:
            raise CheckFailed(f"/readyz did not answer 200 within {timeout:.0f} s")
        time.sleep(0.25)


def check(tree: Path, port: int, ready_timeout: float, log_path: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    with FakeConnector() as connector, bot_process(tree, port, log_path) as process:
        base = f"http://127.0.0.1:{port}"
        figures["ready_seconds"] = wait_ready(process, base, ready_timeout)
        logger.info("/readyz 200 after %.1f s", figures["ready_seconds"])
        status = http("POST", base + "/api/messages", help_activity(connector.url), timeout=REPLY_TIMEOUT)
        if status not in (200, 201, 202):
            raise CheckFailed(f"POST /api/messages `help` answered {status}")
        reply = connector.wait_for_card(REPLY_TIMEOUT)
        logger.info("help card arrived (%d post(s) to the fake connector)", len(connector.posts))
        if reply.get("conversation", {}).get("id") not in (None, "a:check-run-personal"):
            raise CheckFailed(f"the help card went to another conversation: {reply.get('conversation')}")
        figures["rss_mib"] = _rss_mib(process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise CheckFailed(f"the bot did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM") from exc
        if code != 0:
            raise CheckFailed(f"the bot exited with {code} after SIGTERM, not 0")
        logger.info("SIGTERM: exit 0")
    return figures


def _rss_mib(pid: int) -> float:
    """Resident memory of the bot (run.sh execs python, so the pid is the bot's)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--port", type=int, default=0, help="the bot's port (default: a free one)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_READY_TIMEOUT, help="seconds to wait for /readyz")
    parser.add_argument("--starts", type=int, default=1, help="start the same clone this many times (figures)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="check_run: %(message)s")
    workdir = Path(tempfile.mkdtemp(prefix="foorumibotti-check-run-"))
    log_path = workdir / "bot.log"
    try:
        tree = fresh_clone(args.repo.resolve(), workdir)
        for start in range(1, args.starts + 1):
            figures = check(tree, args.port or free_port(), args.timeout, log_path)
            logger.info(
                "start %d: fresh clone -> /readyz 200 in %.1f s, RSS after one turn %.0f MiB",
                start,
                figures["ready_seconds"],
                figures["rss_mib"],
            )
    except (CheckFailed, subprocess.CalledProcessError) as exc:
        logger.error("FAILED: %s", exc)
        if log_path.exists():
            tail = log_path.read_text(errors="replace").splitlines()[-25:]
            sys.stderr.write("".join(f"  | {line}\n" for line in tail))
        return 1
    finally:
        if args.keep:
            logger.info("kept %s", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    logger.info("OK: the README's run command works on a fresh clone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
