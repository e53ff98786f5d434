"""The e2e harness waits for a briefly taken port instead of failing the run, and still refuses one that stays taken."""

from __future__ import annotations

import socket
import threading

from tests.e2e.harness import port_frees_up


def _listening() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock, sock.getsockname()[1]


def test_a_port_that_stays_taken_is_refused() -> None:
    sock, port = _listening()
    with sock:
        assert not port_frees_up("127.0.0.1", port, timeout=1.5)


def test_a_port_released_meanwhile_is_taken() -> None:
    sock, port = _listening()
    timer = threading.Timer(1.0, sock.close)
    timer.start()
    try:
        assert port_frees_up("127.0.0.1", port, timeout=10.0)
    finally:
        timer.cancel()
        sock.close()
