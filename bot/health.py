"""``/healthz`` (the process answers) and ``/readyz`` (the database answers and
its schema is at the newest migration): what a load balancer asks."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import current_revision, head_revision

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 3.0
"""A database that does not answer in this long is as good as away (a hung network)."""


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def readyz_handler(engine: AsyncEngine) -> Any:
    head = head_revision()

    async def readyz(_request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                current = await current_revision(engine)
        except (SQLAlchemyError, OSError) as exc:  # TimeoutError is an OSError
            logger.warning("readiness: database unreachable: %s", exc)
            return web.json_response({"status": "database unreachable"}, status=503)
        if current != head:
            return web.json_response({"status": "migrations pending", "current": current, "head": head}, status=503)
        return web.json_response({"status": "ready", "revision": current})

    return readyz
