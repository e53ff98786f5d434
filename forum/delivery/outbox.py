"""Every proactive message is a row: enqueue it here, the outbox worker sends it.

Why a row per (purpose, recipient) with an idempotency key: a reminder job
that runs twice, a coordinator who clicks "Post" twice, a handler retried
after a crash all enqueue the same key, and the second call changes nothing.
Enqueue in the same transaction as the change that causes the message (the
meeting saved, the job marked done): both commit or neither does.

Updates (``enqueue_update``) replace a card the outbox posted. Only the
newest payload matters, and a card is never posted twice:

- target still ``pending`` (not claimed by a worker): the new payload is
  folded into the pending send, which then posts the newest card once; the
  update row ends ``merged``;
- target being sent or already sent: the update waits until the target is
  ``sent`` (it needs the posted activity's id), older pending updates of the
  same card are ``superseded``, and the worker replaces the activity (PUT);
- target ended ``failed``/``undeliverable``: nothing to update, the update
  ends ``failed`` at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox_repository as repo
from storage.models import ForumRow, OutboxMessageRow, PersonRow
from storage.types import utcnow

PROBLEM_LIST_LIMIT = 20


@dataclass(frozen=True)
class ChannelTarget:
    """Post in the forum's channel (its General channel, as stored at install)."""

    forum_id: int


@dataclass(frozen=True)
class PersonTarget:
    """Write to one person 1:1; the worker opens the chat if the bot has none with them yet."""

    person_id: int


Target = ChannelTarget | PersonTarget


@dataclass(frozen=True)
class OutboxView:
    id: int
    key: str
    purpose: str
    forum_id: int | None
    operation: str
    status: str
    attempts: int
    next_attempt_at: datetime
    target_key: str | None
    recipient_person_id: int | None
    activity_id: str | None
    conversation_id: str | None
    sent_at: datetime | None
    last_error: str | None
    last_status_code: int | None


@dataclass(frozen=True)
class UndeliveredView:
    """One message that reached nobody, as a coordinator needs to see it."""

    purpose: str
    status: str
    recipient_name: str | None
    """The person's name; None for the channel."""
    last_error: str | None
    last_status_code: int | None
    updated_at: datetime


@dataclass(frozen=True)
class DeliverySummary:
    counts: dict[str, int]
    problems: tuple[UndeliveredView, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class OutboxError(ValueError):
    """An enqueue that cannot work: a bad payload, a recipient that does not exist."""


class NoChannelError(OutboxError):
    """The forum has no channel reference (not installed in a team yet)."""


class UnknownRecipientError(OutboxError):
    """No person with that id."""


class UnknownTargetError(OutboxError):
    """``enqueue_update`` names a key the outbox never had, or one that is not a send."""


async def enqueue_message(
    session: AsyncSession,
    *,
    key: str,
    purpose: str,
    forum_id: int | None,
    target: ChannelTarget | PersonTarget,
    activity: dict[str, Any],
    not_before: datetime | None = None,
    respect_quiet_hours: bool = False,
    now: datetime | None = None,
) -> OutboxView:
    """Queue one ready activity; with a ``key`` already queued, return that row unchanged.

    For a reply built in the turn that asked for it (a preview, a form for
    one person). Anything sent later, or to many, is an *intent*
    (``forum.delivery.intents.enqueue_intent``), rendered when it goes.
    ``activity`` is Bot Framework activity JSON (``{"type": "message", ...}``).
    With ``respect_quiet_hours`` the worker holds the row while the forum's
    quiet hours last, checked before every try. Call ``kick()`` on the
    delivery parts after the transaction commits to have it sent at once.
    """
    existing = await repo.by_key(session, key)
    if existing is not None:
        return outbox_view(existing)
    payload = _activity_payload(activity)
    send_at = not_before or now or utcnow()
    if send_at.tzinfo is None:
        raise OutboxError("not_before must be an aware datetime")
    values: dict[str, Any] = {
        "idempotency_key": key,
        "purpose": purpose,
        "operation": repo.SEND,
        "payload": payload,
        "status": repo.PENDING,
        "next_attempt_at": send_at,
        "respect_quiet_hours": respect_quiet_hours,
        **await target_values(session, target, forum_id),
    }
    await repo.insert_if_absent(session, values)
    return await view_of(session, key)


async def target_values(session: AsyncSession, target: Target, forum_id: int | None) -> dict[str, Any]:
    """The row's columns that say where it goes; raises when the target does not exist."""
    if isinstance(target, ChannelTarget):
        forum = await session.get(ForumRow, target.forum_id)
        if forum is None or not forum.channel_reference:
            raise NoChannelError(f"forum {target.forum_id} has no channel to post in")
        return {
            "conversation_reference": dict(forum.channel_reference),
            "forum_id": forum_id if forum_id is not None else target.forum_id,
        }
    if await session.get(PersonRow, target.person_id) is None:
        raise UnknownRecipientError(f"no person {target.person_id}")
    return {"recipient_person_id": target.person_id, "forum_id": forum_id}


async def enqueue_update(
    session: AsyncSession,
    *,
    key: str,
    purpose: str,
    forum_id: int | None,
    target_key: str,
    activity: dict[str, Any],
    now: datetime | None = None,
) -> OutboxView:
    """Replace the activity the send ``target_key`` posted (or will post) with ``activity``.

    Idempotent on ``key`` like ``enqueue_message``; see the module's doc for
    how a pending target, a sent one and a failed one are handled.
    """
    existing = await repo.by_key(session, key)
    if existing is not None:
        return outbox_view(existing)
    payload = _activity_payload(activity)
    target = await repo.by_key(session, target_key, for_update=True)
    if target is None or target.operation != repo.SEND:
        raise UnknownTargetError(f"no message {target_key!r} to update")
    values: dict[str, Any] = {
        "idempotency_key": key,
        "purpose": purpose,
        "forum_id": forum_id if forum_id is not None else target.forum_id,
        "operation": repo.UPDATE,
        "target_key": target_key,
        "recipient_person_id": target.recipient_person_id,
        "payload": payload,
        "next_attempt_at": now or utcnow(),
    }
    if target.status == repo.PENDING and await repo.fold_into_pending(session, target.id, payload):
        values["status"] = repo.MERGED
    elif target.status in repo.PROBLEMS:
        values["status"] = repo.FAILED
        values["last_error"] = f"the message to update was not delivered ({target.status})"
    else:
        await repo.supersede_pending_updates(session, target_key)
        values["status"] = repo.PENDING
    await repo.insert_if_absent(session, values)
    return await view_of(session, key)


async def sent_activity(session: AsyncSession, key: str) -> tuple[str, str] | None:
    """Where the send ``key`` landed: (conversation id, activity id), once it is sent."""
    row = await repo.by_key(session, key)
    if row is None or row.status != repo.SENT or not row.conversation_id or not row.activity_id:
        return None
    return row.conversation_id, row.activity_id


async def message_view(session: AsyncSession, key: str) -> OutboxView | None:
    row = await repo.by_key(session, key)
    return outbox_view(row) if row is not None else None


async def delivery_summary(session: AsyncSession, forum_id: int) -> DeliverySummary:
    """Counts per status and the latest messages that reached nobody, for coordinators."""
    counts = await repo.status_counts(session, forum_id)
    problems = tuple(
        UndeliveredView(
            purpose=row.purpose,
            status=row.status,
            recipient_name=name if row.recipient_person_id is not None else None,
            last_error=row.last_error,
            last_status_code=row.last_status_code,
            updated_at=row.updated_at,
        )
        for row, name in await repo.problem_rows(session, forum_id, PROBLEM_LIST_LIMIT)
    )
    return DeliverySummary(counts=counts, problems=problems)


def outbox_view(row: OutboxMessageRow) -> OutboxView:
    return OutboxView(
        id=row.id,
        key=row.idempotency_key,
        purpose=row.purpose,
        forum_id=row.forum_id,
        operation=row.operation,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        target_key=row.target_key,
        recipient_person_id=row.recipient_person_id,
        activity_id=row.activity_id,
        conversation_id=row.conversation_id,
        sent_at=row.sent_at,
        last_error=row.last_error,
        last_status_code=row.last_status_code,
    )


async def view_of(session: AsyncSession, key: str) -> OutboxView:
    row = await repo.by_key(session, key)
    if row is None:  # inserted or kept by ON CONFLICT in this very transaction
        raise RuntimeError(f"outbox row {key!r} missing right after insert")
    return outbox_view(row)


def _activity_payload(activity: dict[str, Any]) -> dict[str, Any]:
    """A JSON copy of the activity: fails now, not in the worker, when it cannot be stored."""
    if not isinstance(activity, dict) or activity.get("type", "message") != "message":
        raise OutboxError("an outbox activity is a dict of type 'message'")
    payload = json_copy(activity)
    payload.setdefault("type", "message")
    return payload


def json_copy(value: dict[str, Any]) -> dict[str, Any]:
    """A JSON copy: fails now, in the caller's transaction, not later in the worker."""
    try:
        copied: dict[str, Any] = json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"not JSON: {exc}") from exc
    return copied
