"""Serving the web application: bind first, then start, then stop cleanly on a signal.

Why not ``web.run_app``: it binds the port only *after* the application's startup ran, so a
port already in use surfaced as a raw ``OSError`` traceback after the migrations had run and
the delivery scheduler had started against the shared database (issue 6). Here the listening
socket is bound before anything else (no check-then-bind race: the bound socket itself is
handed to aiohttp's ``SockSite``), a failure is one clear log line and exit code 2, and
SIGTERM / SIGINT stop taking requests, run every ``cleanup_ctx`` (scheduler, outbox worker,
database) and exit 0, which is what ``docker stop`` and systemd expect.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CANNOT_LISTEN = 2
# Requests in flight get this long to finish after a stop signal (Teams gives up after ~15 s).
SHUTDOWN_TIMEOUT_SECONDS = 10.0
LISTEN_BACKLOG = 128


class ListenError(Exception):
    """The listening socket could not be bound (port in use, no such address, no permission)."""


def bind_listener(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port`` now, before the application touches anything.

    Raises ``ListenError`` with a message fit for one log line."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As aiohttp does by default: a restart may rebind while old connections sit in TIME_WAIT;
        # a port another process listens on still fails (SO_REUSEADDR is not SO_REUSEPORT).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.setblocking(False)
    return sock


async def serve(
    app: web.Application,
    sock: socket.socket,
    *,
    access_log_class: type[AbstractAccessLogger],
    shutdown_timeout: float = SHUTDOWN_TIMEOUT_SECONDS,
) -> None:
    """Start ``app`` on the bound ``sock`` and serve until SIGTERM or SIGINT, then clean up."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _on_signal, signum, stop)
    runner = web.AppRunner(
        app, handle_signals=False, access_log_class=access_log_class, shutdown_timeout=shutdown_timeout
    )
    try:
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()
        host, port = sock.getsockname()[:2]
        logger.info("listening on %s:%s", host, port)
        await stop.wait()
    finally:
        await runner.cleanup()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    logger.info("stopped")


def _on_signal(signum: int, stop: asyncio.Event) -> None:
    if not stop.is_set():
        logger.info("%s: stopping (finishing requests in flight, then the scheduler)", signal.Signals(signum).name)
    stop.set()
