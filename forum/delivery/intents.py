"""Intents: what to send, stored now; the activity is rendered by the worker when it goes.

Why an intent and not a ready card: a turn enqueues inside its short write
transaction without building a card under the lock, and what reaches Teams
is built from the data as it is *when sent*, in the reader's language — a
card update that waited behind a throttled conversation is never stale, and
two pending updates of one card are one (``enqueue_card_update``).

A feature uses three things, and never the worker:

1. ``enqueue_intent(session, key=…, purpose=…, target=…, data=…, forum_id=…)``
   in the transaction of the change that causes the message; ``data`` holds
   domain ids only (``{"meeting_id": 5}``), JSON;
2. ``enqueue_card_update(session, card_key=…, purpose=…)`` to have a card the
   outbox posted (or will post) replaced by its current rendering;
3. a renderer per purpose, registered at start-up in the feature's
   ``*_context`` on ``app[DELIVERY].renderers``::

       async def render(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None

   It reads what it needs with ``session`` (read only, outside any write
   transaction) and returns a Bot Framework message activity (a JSON dict),
   or None for "nothing to send any more" (the meeting was cancelled, the
   person answered meanwhile): the row then ends ``dropped``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.outbox import (
    OutboxError,
    OutboxView,
    Target,
    UnknownTargetError,
    json_copy,
    outbox_view,
    target_values,
    view_of,
)
from storage import outbox_repository as repo
from storage.models import OutboxMessageRow
from storage.types import utcnow

logger = logging.getLogger(__name__)

Activity = dict[str, Any]


@dataclass(frozen=True)
class Intent:
    """One row's intent as its renderer sees it."""

    key: str
    purpose: str
    forum_id: int | None
    data: Mapping[str, Any]
    operation: str
    """``send`` (a new post) or ``update`` (replaces the card ``card_key`` posted)."""
    card_key: str | None = None


@dataclass(frozen=True)
class Reader:
    """Who will read the message: the language and zone to render it in."""

    forum_id: int | None
    person_id: int | None
    """None for the forum's channel."""
    locale: str
    time_zone: str


Render = Callable[[AsyncSession, Intent, Reader], Awaitable[Activity | None]]


class UnknownPurposeError(LookupError):
    """An intent row whose purpose has no renderer in this process (a feature not wired?)."""


class RendererRegistry:
    """Renderers by purpose; each feature registers its own at start-up."""

    def __init__(self) -> None:
        self._renderers: dict[str, Render] = {}

    def register(self, purpose: str, render: Render) -> None:
        if purpose in self._renderers:
            raise ValueError(f"purpose {purpose!r} has a renderer already")
        self._renderers[purpose] = render

    def get(self, purpose: str) -> Render:
        try:
            return self._renderers[purpose]
        except KeyError:
            raise UnknownPurposeError(purpose) from None

    @property
    def purposes(self) -> frozenset[str]:
        return frozenset(self._renderers)


async def enqueue_intent(
    session: AsyncSession,
    *,
    key: str,
    purpose: str,
    target: Target,
    data: Mapping[str, Any],
    forum_id: int | None,
    not_before: datetime | None = None,
    expires_at: datetime | None = None,
    respect_quiet_hours: bool = False,
    now: datetime | None = None,
) -> OutboxView:
    """Queue one message to be rendered when sent; with ``key`` already queued, that row unchanged.

    ``not_before``: not sent earlier. ``expires_at``: not sent later (the row
    ends ``dropped``). ``respect_quiet_hours``: the worker holds the row
    while the forum's quiet hours last, re-checked before every try. Call
    ``kick()`` on the delivery parts after the commit to have it sent at once.
    """
    existing = await repo.by_key(session, key)
    if existing is not None:
        return outbox_view(existing)
    moment = now or utcnow()
    send_at = not_before or moment
    for name, value in (("not_before", send_at), ("expires_at", expires_at)):
        if value is not None and value.tzinfo is None:
            raise OutboxError(f"{name} must be an aware datetime")
    values: dict[str, Any] = {
        "idempotency_key": key,
        "purpose": purpose,
        "operation": repo.SEND,
        "payload": None,
        "data": json_copy(dict(data)),
        "status": repo.PENDING,
        "next_attempt_at": send_at,
        "expires_at": expires_at,
        "respect_quiet_hours": respect_quiet_hours,
        **await target_values(session, target, forum_id),
    }
    await repo.insert_if_absent(session, values)
    return await view_of(session, key)


async def enqueue_card_update(
    session: AsyncSession,
    *,
    card_key: str,
    purpose: str,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> OutboxView | None:
    """Have the card that the send ``card_key`` posted replaced by its current rendering.

    Coalesced, so a burst of changes is one update: while the card's send is
    still pending it renders the newest data anyway (that row is returned);
    while an update of it is pending, that one is returned. Otherwise a new
    update row waits until the card is posted and no other update of it is
    in flight. None when the card reached nobody (failed, undeliverable,
    dropped): there is nothing to update. ``data`` is what the update's
    renderer reads; by default the card's own.
    """
    card = await repo.by_key(session, card_key, for_update=True)  # serialises updates of one card
    if card is None or card.operation != repo.SEND:
        raise UnknownTargetError(f"no message {card_key!r} to update")
    if card.status in repo.NOT_DELIVERED:
        logger.info("card %s was not delivered (%s): no update", card_key, card.status)
        return None
    if card.status == repo.PENDING and card.data is not None:
        return outbox_view(card)
    waiting = await repo.pending_update_of(session, card_key)
    if waiting is not None:
        return outbox_view(waiting)
    key = f"{card_key}:update:{await repo.update_count(session, card_key) + 1}"
    await repo.insert_if_absent(session, _update_values(key, purpose, card_key, card, data, now))
    return await view_of(session, key)


async def request_card_update(
    session: AsyncSession,
    *,
    card_key: str,
    purpose: str,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """``enqueue_card_update`` for a turn's hot path: the same decisions in one read and at most one insert.

    Why a second function: an RSVP (or a vote) asks for a card update in every
    turn, and the long form costs five statements inside the write
    transaction. True when the card will show the change (an update is
    queued, or the pending post or update will render it); False when the
    card reached nobody. Raises ``UnknownTargetError`` like the long form.
    """
    card = await repo.card_state(session, card_key)
    if card is None or card.operation != repo.SEND:
        raise UnknownTargetError(f"no message {card_key!r} to update")
    if card.status in repo.NOT_DELIVERED:
        logger.info("card %s was not delivered (%s): no update", card_key, card.status)
        return False
    if (card.status == repo.PENDING and card.data is not None) or card.pending_update_id is not None:
        return True
    key = f"{card_key}:update:{card.update_count + 1}"
    if await repo.insert_if_absent(session, _update_values(key, purpose, card_key, card, data, now)):
        return True
    # A concurrent turn queued this very update number first (PostgreSQL, where the count
    # was read before that turn committed): decide again with fresh reads.
    return await enqueue_card_update(session, card_key=card_key, purpose=purpose, data=data, now=now) is not None


def _update_values(
    key: str,
    purpose: str,
    card_key: str,
    card: repo.CardState | OutboxMessageRow,
    data: Mapping[str, Any] | None,
    now: datetime | None,
) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "purpose": purpose,
        "forum_id": card.forum_id,
        "operation": repo.UPDATE,
        "target_key": card_key,
        "recipient_person_id": card.recipient_person_id,
        "payload": None,
        "data": json_copy(dict(data if data is not None else card.data or {})),
        "status": repo.PENDING,
        "next_attempt_at": now or utcnow(),
    }
