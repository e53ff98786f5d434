"""Replicas of the bot on one database: who lives, and each one's share of Teams' budget.

Why a heartbeat row: Teams' 50 requests a second are per app and tenant, whatever
number of processes send. Each replica writes its row every ``HEARTBEAT_SECONDS``
and counts the rows seen within ``LIVE_FOR``; its limiter then paces at
``40 / live replicas``. A replica that stops cleanly deletes its row, so the others
take its share at the next beat; one that dies is forgotten after ``LIVE_FOR``
(meanwhile the survivors go slower, never faster than allowed).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.outcome_writer import DATABASE_ERRORS
from forum.delivery.rate_limit import TeamsLimits
from storage import inbound_repository as repo
from storage.types import utcnow

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
LIVE_FOR = timedelta(seconds=35)
"""A replica silent this long is not counted (three beats missed and a margin)."""
FORGET_AFTER = timedelta(hours=1)


class Replicas:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        limits: TeamsLimits,
        *,
        replica_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._limits = limits
        self.replica_id = replica_id or uuid.uuid4().hex
        self._clock = clock

    async def beat(self) -> int:
        """Say this replica lives; returns the live replicas (the tenant budget is split by them)."""
        now = self._clock()
        try:
            async with self._sessions() as session, session.begin():
                await repo.beat(session, self.replica_id, now)
                await repo.prune_heartbeats(session, now - FORGET_AFTER)
                live = await repo.live_replicas(session, now - LIVE_FOR)
        except DATABASE_ERRORS as exc:
            logger.warning("replica heartbeat failed, keeping a share of 1/%d: %s", self._limits.replicas, exc)
            return self._limits.replicas
        if live != self._limits.replicas:
            self._limits.set_replicas(live)
            logger.info("%d replicas live: this one paces at %.1f calls/s", live, self._limits.tenant_limit.rate)
        return live

    async def leave(self) -> None:
        try:
            async with self._sessions() as session, session.begin():
                await repo.forget_replica(session, self.replica_id)
        except DATABASE_ERRORS as exc:
            logger.warning("could not remove this replica's heartbeat (it expires by itself): %s", exc)
