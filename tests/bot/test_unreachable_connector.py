"""A turn whose Bot Connector cannot be reached: bounded, one log line, no retries in the turn.

Teams gives up on a bot after ~15 s; msrest's default (3 retries with backoff per call, ~10 s,
~150 traceback lines) kept the request open and flooded the log. Now each connector call has
2 s to connect and 5 s to read and is tried once; the turn logs one line with the activity id
and the cause, and does not try to post "something went wrong" to the same dead connector.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.adapter import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS
from tests.support.activities import KAISA, personal_message


@pytest.fixture
def stalled_connector() -> Iterator[tuple[str, list[socket.socket]]]:
    """Accepts connections and never answers; records each connection."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def _refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"  # closed again: connections are refused


def _turn_lines(caplog: Any) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_refused_connection_is_one_line_and_one_try(bot_client: TestClient[Any, Any], caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    url = _refused_url()
    activity = personal_message(url, KAISA, "help")
    response = await bot_client.post("/api/messages", json=activity)
    assert response.status == 201
    lines = _turn_lines(caplog)
    assert [(r.name, r.getMessage()) for r in lines] == [
        (
            "bot.adapter",
            f"turn failed: activity {activity['id']} (message): Bot Connector at {url} unreachable: "
            "ConnectionRefusedError: [Errno 111] Connection refused",
        )
    ]
    assert lines[0].exc_info is None, "no traceback"


async def test_a_stalled_connector_times_out_once_and_bounded(
    bot_client: TestClient[Any, Any], stalled_connector: tuple[str, list[socket.socket]], caplog: Any
) -> None:
    assert CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS < 15 / 2, "a turn's one call stays well under Teams' 15 s"
    caplog.set_level(logging.INFO)
    url, accepted = stalled_connector
    activity = personal_message(url, KAISA, "help")
    response = await bot_client.post("/api/messages", json=activity)
    assert response.status == 201
    assert len(accepted) == 1, "one try, no retry and no error reply to the same connector"
    lines = _turn_lines(caplog)
    assert len(lines) == 1 and lines[0].exc_info is None
    assert (
        lines[0]
        .getMessage()
        .startswith(f"turn failed: activity {activity['id']} (message): Bot Connector at {url} unreachable: ")
    )
    assert "timed out" in lines[0].getMessage()
