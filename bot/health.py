"""``/healthz`` (the process answers) and ``/readyz`` (the database answers and
its schema is at the newest migration): what a load balancer asks.

Readiness is polled every few seconds, so it must be cheap and quiet: the newest revision is
read from the migration scripts once, each probe is one SELECT of the stored revision (no
Alembic context, whose INFO lines flooded the log), and only a *change* of state is logged
(ready -> database unreachable -> ready), never every probe.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import head_revision, stored_revision

logger = logging.getLogger(__name__)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


class Readiness:
    """One per application: the head revision, read once, and the last state seen."""

    def __init__(self) -> None:
        self._head: str | None = None
        self._head_known = False
        self._state: str | None = None

    @property
    def head(self) -> str | None:
        if not self._head_known:
            self._head, self._head_known = head_revision(), True
        return self._head

    async def probe(self, engine: AsyncEngine) -> tuple[int, dict[str, Any]]:
        """The status code and body of ``/readyz``."""
        head = self.head
        try:
            current = await stored_revision(engine)
        except (SQLAlchemyError, OSError) as exc:
            self._note("database unreachable", f": {exc.__class__.__name__}: {exc}".splitlines()[0])
            return 503, {"status": "database unreachable"}
        if current != head:
            self._note("migrations pending", f" (at {current}, newest {head})")
            return 503, {"status": "migrations pending", "current": current, "head": head}
        self._note("ready", f" (schema at {current})")
        return 200, {"status": "ready", "revision": current}

    def _note(self, state: str, detail: str) -> None:
        if state == self._state:
            return
        level = logging.INFO if state == "ready" else logging.WARNING
        logger.log(level, "readiness: %s%s", state, detail)
        self._state = state


READINESS = web.AppKey("readiness", Readiness)


def readyz_handler(engine: AsyncEngine, readiness: Readiness | None = None) -> Any:
    probe = readiness or Readiness()

    async def readyz(_request: web.Request) -> web.Response:
        status, body = await probe.probe(engine)
        return web.json_response(body, status=status)

    return readyz
