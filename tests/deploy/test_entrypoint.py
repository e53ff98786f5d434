"""The container's entrypoint, run as the image runs it: it migrates, then serves, then stops on SIGTERM.

No container engine runs here, so the script runs as a process with this venv's ``python`` on
``PATH`` (as ``/opt/venv/bin`` is in the image) against the test database, and the bot is
driven as everywhere else: a real activity to ``/api/messages``, replies to the fake connector.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.activities import KAISA, bot_added_to_team
from tests.support.fake_connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"
HEALTHCHECK = ROOT / "scripts" / "healthcheck.py"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_FORMAT="json",
        DISPATCH_INTERVAL_SECONDS="3600",
        COORDINATORS="kaisa@museovirasto.fi",
    )
    return env


async def _wait_ready(session: aiohttp.ClientSession, base: str, process: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_SECONDS
    while loop.time() < deadline:
        assert process.returncode is None, "the entrypoint exited before serving"
        try:
            async with session.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    pytest.fail("the bot never became ready")


async def _healthcheck(port: int) -> int:
    check = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HEALTHCHECK),
        env={**os.environ, "PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await check.wait()


async def test_entrypoint_migrates_then_serves_then_stops_on_sigterm(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        str(ENTRYPOINT),
        env=_environment(database_url, port),
        cwd=tmp_path,  # the script finds its own folder, as /app in the image
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await _wait_ready(session, base, process)
            assert await _healthcheck(port) == 0
            async with session.post(f"{base}/api/messages", json=bot_added_to_team(connector.url, KAISA)) as answer:
                assert answer.status == 201
        assert connector.sent and connector.sent[-1].cards, "the welcome card reached the connector"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    assert process.stdout is not None
    output, _ = await asyncio.wait_for(process.communicate(), STOP_TIMEOUT_SECONDS)
    assert process.returncode == 0, output.decode()
    assert await _healthcheck(port) == 1

    lines = output.decode().splitlines()
    assert lines[0].startswith("database schema at revision "), lines[:3]  # manage.py migrate, before serving
    entries = [json.loads(line) for line in lines[1:] if line.startswith("{")]
    assert entries and len(entries) == len([line for line in lines[1:] if line.strip()]), "every log line is JSON"
    activity: dict[str, Any] = next(e for e in entries if e["logger"] == "foorumibotti.activity")
    assert (activity["type"], activity["outcome"], activity["conversation_type"]) == (
        "conversationUpdate",
        "ok",
        "channel",
    )
