"""Each activity from Teams handled once: Teams may deliver one twice.

Why here, before the turn: Teams redelivers an activity it got no timely answer
for (and either replica may receive it), so a slow RSVP could otherwise count
twice or a command answer twice. The key is a hash of channel, conversation and
activity id (the table names no one). When the database cannot say, the activity
is handled: the turn then meets the outage and tells the person so. Invokes (card
buttons) are left out by the endpoint: Teams waits for their answer body, and
their handlers are idempotent (one RSVP per person, one post per card).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.inbound_repository import first_time, prune_inbound
from storage.types import utcnow

logger = logging.getLogger(__name__)

KEEP = timedelta(days=1)
PRUNE_EVERY = 500
"""Every this many new activities, keys older than ``KEEP`` are deleted."""


def activity_key(activity: Activity) -> str | None:
    """The activity's dedup key, or None for one without an id (nothing to compare)."""
    if not activity.id:
        return None
    conversation = activity.conversation.id if activity.conversation is not None else ""
    raw = f"{activity.channel_id or ''}\x1f{conversation}\x1f{activity.id}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class InboundActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._since_prune = 0

    async def first_time(self, activity: Activity) -> bool:
        """True for an activity seen the first time (or without an id); raises when the database is away."""
        key = activity_key(activity)
        if key is None:
            return True
        now = utcnow()
        async with self._sessions() as session, session.begin():
            fresh = await first_time(session, key, now)
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                self._since_prune = 0
                await prune_inbound(session, now - KEEP)
        if not fresh:
            logger.info("activity %s (%s) delivered again: not handled twice", activity.id, activity.type)
        return fresh
