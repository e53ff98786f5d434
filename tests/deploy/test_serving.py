"""``python app.py`` as a process: the port is bound before anything touches the database,
a taken port is one clear line and exit 2, and SIGINT (as SIGTERM, see test_entrypoint) stops
the bot cleanly with exit 0 after a real turn."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.serving import ListenError, bind_listener
from tests.support.activities import KAISA, bot_added_to_team
from tests.support.fake_connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def _environment(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    env.update(DATABASE_URL=database_url, HOST="127.0.0.1", PORT=str(port), DISPATCH_INTERVAL_SECONDS="3600")
    return env


def test_bind_listener_reports_a_taken_port_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: Address already in use$"):
            bind_listener("127.0.0.1", port)


def test_bind_listener_reports_an_unknown_host() -> None:
    with pytest.raises(ListenError, match=r"^cannot listen on no-such-host\.invalid:3978: "):
        bind_listener("no-such-host.invalid", 3978)


async def test_a_taken_port_exits_2_before_the_database_is_touched(tmp_path: Path) -> None:
    database = tmp_path / "never.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "app.py"),
            env=_environment(f"sqlite+aiosqlite:///{database}", port),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), STOP_TIMEOUT_SECONDS)
    text = output.decode()
    assert process.returncode == 2, text
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in text
    assert "Traceback" not in text
    assert "alembic" not in text.lower(), "no migration ran"
    assert not database.exists(), "nothing touched the database"


async def test_sigint_after_a_turn_stops_cleanly_with_exit_0(database_url: str, connector: FakeConnector) -> None:
    listener = bind_listener("127.0.0.1", 0)
    port = listener.getsockname()[1]
    listener.close()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "app.py"),
        env=_environment(database_url, port),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + START_TIMEOUT_SECONDS
            while True:
                assert process.returncode is None, "app.py exited before serving"
                assert loop.time() < deadline, "the bot never became ready"
                try:
                    async with session.get(f"{base}/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
            async with session.post(f"{base}/api/messages", json=bot_added_to_team(connector.url, KAISA)) as answer:
                assert answer.status == 201
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
    output, _ = await asyncio.wait_for(process.communicate(), STOP_TIMEOUT_SECONDS)
    text = output.decode()
    assert process.returncode == 0, text
    assert connector.sent and connector.sent[-1].cards, "the welcome card reached the connector"
    assert f"listening on 127.0.0.1:{port}" in text
    assert "SIGINT: stopping" in text
    assert text.rstrip().endswith("stopped"), "the cleanup ran to its end"
    assert "Traceback" not in text
