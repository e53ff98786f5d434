"""The worker's side of the outbox: lease due rows, render them, then record what happened.

Why it hands out plain :class:`ClaimedMessage` values: the send happens
outside any transaction (a slow Teams call must not hold a row lock or
SQLite's write lock), so everything the send needs (where to, what, how many
tries so far) is read in the short claim transaction and the outcome is
written in another short one.

Before each try, in the claim: a row past its ``expires_at`` ends
``dropped``; a row that respects quiet hours and falls in its forum's quiet
window goes back to ``pending`` until the window opens (no attempt counted),
or ends ``dropped`` when that would be after its ``expires_at``. Intent rows
are then rendered by their purpose's renderer in a read-only session, after
the claim committed, so a card is built from the data as it is now and no
write lock is held meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import Intent, Reader, RendererRegistry, UnknownPurposeError
from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours, forum_quiet_hours
from forum.i18n import resolve_locale
from storage import outbox_repository as repo
from storage.models import ForumRow, OutboxMessageRow, PersonRow

logger = logging.getLogger(__name__)

DEFAULT_TENANT = "-"
DEFAULT_TIME_ZONE = "Europe/Helsinki"
RENDER_DATABASE_ERRORS = (SQLAlchemyError, OSError)


@dataclass(frozen=True)
class Recipient:
    """Who a 1:1 goes to when the bot has no conversation with them yet."""

    person_id: int
    teams_user_id: str
    name: str
    tenant_id: str | None
    service_url: str
    bot: dict[str, Any] | None
    """The bot's channel account in this tenant (from the forum's channel reference)."""


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    key: str
    purpose: str
    operation: str
    attempts: int
    """Attempts already made (a lease that ran out counts as one)."""
    activity: dict[str, Any]
    """What goes to Teams: the stored activity, or the intent rendered just now."""
    reference: dict[str, Any] | None
    """Where to send, or whose activity to update; None: open a 1:1 with ``recipient``."""
    recipient: Recipient | None
    target_activity_id: str | None
    """For an update: the posted activity it replaces."""
    tenant_id: str
    problem: str | None = None
    """Set when the message cannot be sent at all (its card failed, no route)."""
    intent: Intent | None = None
    reader: Reader | None = None
    first_attempt_at: datetime | None = None
    """When its first try failed: the time limit for retrying transient faults counts from here."""

    @property
    def conversation_id(self) -> str | None:
        """The conversation it goes to, when known (not for a 1:1 still to be opened)."""
        if self.reference is None:
            return None
        conversation = self.reference.get("conversation") or {}
        return str(conversation.get("id") or "") or None

    @property
    def conversation_key(self) -> str:
        """Messages with the same key share one conversation's rate limit and order."""
        if self.reference is not None:
            conversation = self.reference.get("conversation") or {}
            return f"conversation:{conversation.get('id', '')}"
        return f"person:{self.recipient.person_id if self.recipient else self.id}"


class OutboxDelivery:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        renderers: RendererRegistry | None = None,
        *,
        quiet_hours: QuietHours = DEFAULT_QUIET_HOURS,
    ) -> None:
        self._sessions = sessions
        self._renderers = renderers or RendererRegistry()
        self._quiet_default = quiet_hours
        """The window of a forum without its own setting (from the environment)."""

    async def claim(self, now: datetime, *, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages, rendered; nobody else takes them until the lease ends."""
        claimed = await self._claim(now, limit, lease)
        if not any(message.intent is not None for message in claimed):
            return claimed
        ready, dropped = await self._render(claimed)
        if dropped:
            async with self._sessions() as session, session.begin():
                await repo.mark_dropped(session, dropped, "nothing to send any more")
        return ready

    async def _claim(self, now: datetime, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        async with self._sessions() as session, session.begin():
            ids = await repo.claim_due(session, now, limit, lease)
            if not ids:
                return []
            rows = await repo.rows_by_ids(session, ids)
            targets = await repo.rows_by_keys(session, {r.target_key for r in rows if r.target_key})
            people = await repo.people_by_ids(session, {r.recipient_person_id for r in rows if r.recipient_person_id})
            forums = await repo.forums_by_ids(session, {r.forum_id for r in rows if r.forum_id})
            claimed: list[ClaimedMessage] = []
            held: dict[datetime, list[int]] = {}
            expired: list[int] = []
            for row in rows:
                forum = forums.get(row.forum_id) if row.forum_id else None
                wait = self._hold(row, forum, now)
                if wait is None:
                    claimed.append(_claimed(row, targets, people, forums))
                elif wait is EXPIRED:
                    expired.append(row.id)
                else:
                    held.setdefault(wait, []).append(row.id)
            for until, held_ids in held.items():
                await repo.release(session, held_ids, until)
            await repo.mark_dropped(session, expired, "expired: its time passed before it could be sent")
            return claimed

    def _hold(self, row: OutboxMessageRow, forum: ForumRow | None, now: datetime) -> datetime | None:
        """None: try now; a time: quiet until then; ``EXPIRED``: it may not go any more."""
        if row.expires_at is not None and row.expires_at <= now:
            logger.info("message %s (%s) expired at %s: dropped", row.idempotency_key, row.purpose, row.expires_at)
            return EXPIRED
        if not row.respect_quiet_hours:
            return None
        window = self.quiet_hours_of(forum)
        zone = forum.time_zone if forum is not None else DEFAULT_TIME_ZONE
        if not window.is_quiet(now, zone):
            return None
        opens = window.next_allowed(now, zone)
        if row.expires_at is not None and opens >= row.expires_at:
            logger.info(
                "message %s (%s) is quiet until %s, after it expires (%s): dropped",
                row.idempotency_key,
                row.purpose,
                opens.isoformat(),
                row.expires_at.isoformat(),
            )
            return EXPIRED
        return opens

    def quiet_hours_of(self, forum: ForumRow | None) -> QuietHours:
        """The forum's quiet window, or the default one when it has none (or an unreadable one)."""
        if forum is None:
            return self._quiet_default
        return forum_quiet_hours(forum.quiet_hours, forum.quiet_weekends, self._quiet_default)

    async def _render(self, claimed: list[ClaimedMessage]) -> tuple[list[ClaimedMessage], list[int]]:
        """Each intent as its renderer draws it now; (ready to send, ids with nothing to send)."""
        ready: list[ClaimedMessage] = []
        dropped: list[int] = []
        async with self._sessions() as session:
            for message in claimed:
                if message.intent is None or message.reader is None or message.problem is not None:
                    ready.append(message)
                    continue
                try:
                    activity = await self._renderers.get(message.purpose)(session, message.intent, message.reader)
                except RENDER_DATABASE_ERRORS:
                    raise  # the database is away: the lease runs out and the row is tried again
                except UnknownPurposeError:
                    ready.append(replace(message, problem=f"no renderer for {message.purpose!r} in this process"))
                    continue
                except Exception as exc:
                    logger.exception("rendering %s (%s) failed", message.key, message.purpose)
                    ready.append(replace(message, problem=f"rendering failed: {type(exc).__name__}: {exc}"))
                    continue
                if activity is None:
                    logger.info("message %s (%s): nothing to send any more, dropped", message.key, message.purpose)
                    dropped.append(message.id)
                else:
                    ready.append(replace(message, activity=activity))
        return ready, dropped

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write several outcomes in one transaction (the worker's group commit)."""
        if not outcomes:
            return
        async with self._sessions() as session, session.begin():
            for outcome in outcomes:
                await _write(session, outcome)


EXPIRED = datetime.min.replace(tzinfo=UTC)
"""``_hold``'s answer for a row that may not go any more."""


@dataclass(frozen=True)
class Sent:
    message_id: int
    at: datetime
    activity_id: str | None
    conversation_id: str | None
    reference: dict[str, Any] | None
    status_code: int | None = 200
    new_personal_reference: tuple[int, dict[str, Any]] | None = None
    """(person id, reference) when the send opened a 1:1 the person should keep."""


@dataclass(frozen=True)
class Retry:
    """A failed attempt: pending again at ``retry_at`` (an update with a newer one queued: superseded)."""

    message_id: int
    status_code: int | None
    error: str
    retry_at: datetime
    new_personal_reference: tuple[int, dict[str, Any]] | None = None
    """(person id, reference) of a 1:1 opened before the post failed: the retry only posts."""
    attempted_at: datetime | None = None
    """When this try was made: the row's first failed try starts its time limit."""


@dataclass(frozen=True)
class Final:
    """A failed attempt that ends it: ``failed`` or ``undeliverable``."""

    message_id: int
    status: str
    status_code: int | None
    error: str

    def __post_init__(self) -> None:
        if self.status not in repo.PROBLEMS:
            raise ValueError(f"{self.status!r} is not a final failure")


@dataclass(frozen=True)
class Release:
    """Claimed rows handed back untried (their conversation is throttled)."""

    message_ids: tuple[int, ...]
    not_before: datetime


Outcome = Sent | Retry | Final | Release


async def _write(session: AsyncSession, outcome: Outcome) -> None:
    if isinstance(outcome, Sent):
        await repo.mark_sent(
            session,
            outcome.message_id,
            now=outcome.at,
            activity_id=outcome.activity_id,
            conversation_id=outcome.conversation_id,
            reference=outcome.reference,
            status_code=outcome.status_code,
        )
        if outcome.new_personal_reference is not None:
            await repo.remember_personal_reference(session, *outcome.new_personal_reference)
    elif isinstance(outcome, Retry):
        status = repo.PENDING
        row = await session.get(OutboxMessageRow, outcome.message_id)
        if row is not None and row.operation == repo.UPDATE and await repo.newer_update_exists(session, row):
            status = repo.SUPERSEDED
        await repo.mark_attempt_failed(
            session,
            outcome.message_id,
            status=status,
            status_code=outcome.status_code,
            error=outcome.error,
            retry_at=outcome.retry_at,
            attempted_at=outcome.attempted_at,
        )
        if outcome.new_personal_reference is not None:
            await repo.remember_personal_reference(session, *outcome.new_personal_reference)
    elif isinstance(outcome, Final):
        await repo.mark_attempt_failed(
            session,
            outcome.message_id,
            status=outcome.status,
            status_code=outcome.status_code,
            error=outcome.error,
            retry_at=None,
        )
    else:
        await repo.release(session, outcome.message_ids, outcome.not_before)


def _claimed(
    row: OutboxMessageRow,
    targets: dict[str, OutboxMessageRow],
    people: dict[int, PersonRow],
    forums: dict[int, ForumRow],
) -> ClaimedMessage:
    forum = forums.get(row.forum_id) if row.forum_id else None
    person = people.get(row.recipient_person_id) if row.recipient_person_id else None
    tenant = (forum.tenant_id if forum else None) or (person.tenant_id if person else None) or DEFAULT_TENANT
    reference = row.conversation_reference
    recipient: Recipient | None = None
    target_activity_id: str | None = None
    problem: str | None = None
    if row.operation == repo.UPDATE:
        target = targets.get(row.target_key or "")
        if target is None or target.status != repo.SENT or not target.activity_id:
            problem = f"the message to update was not delivered ({target.status if target else 'missing'})"
        else:
            reference = target.conversation_reference
            target_activity_id = target.activity_id
    elif reference is None and person is not None:
        reference = person.personal_reference
        if reference is None:
            recipient = _recipient(person, forum)
            if not recipient.service_url:
                problem = "no conversation with this person and no forum to open one from"
    if reference is None and recipient is None and problem is None:
        problem = "the message has no recipient"
    intent, reader = _intent_of(row, person, forum)
    return ClaimedMessage(
        id=row.id,
        key=row.idempotency_key,
        purpose=row.purpose,
        operation=row.operation,
        attempts=row.attempts,
        activity=dict(row.payload or {}),
        reference=_without_reply_id(reference),
        recipient=recipient,
        target_activity_id=target_activity_id,
        tenant_id=tenant,
        problem=problem,
        intent=intent,
        reader=reader,
        first_attempt_at=row.first_attempt_at,
    )


def _intent_of(
    row: OutboxMessageRow, person: PersonRow | None, forum: ForumRow | None
) -> tuple[Intent | None, Reader | None]:
    """The row's intent and who reads it (their language), or (None, None) for a ready activity."""
    if row.data is None:
        return None, None
    intent = Intent(
        key=row.idempotency_key,
        purpose=row.purpose,
        forum_id=row.forum_id,
        data=dict(row.data),
        operation=row.operation,
        card_key=row.target_key,
    )
    forum_locale = forum.locale if forum is not None else None
    locale = (
        resolve_locale(person.preferred_locale, person.last_seen_locale, forum_locale)
        if person is not None
        else resolve_locale(forum_locale)
    )
    reader = Reader(
        forum_id=row.forum_id,
        person_id=person.id if person is not None else None,
        locale=locale,
        time_zone=forum.time_zone if forum is not None else DEFAULT_TIME_ZONE,
    )
    return intent, reader


def _recipient(person: PersonRow, forum: ForumRow | None) -> Recipient:
    channel = (forum.channel_reference if forum else None) or {}
    bot = channel.get("bot")
    return Recipient(
        person_id=person.id,
        teams_user_id=person.teams_user_id,
        name=person.name,
        tenant_id=(forum.tenant_id if forum else None) or person.tenant_id,
        service_url=(forum.service_url if forum else "") or str(channel.get("serviceUrl") or ""),
        bot=dict(bot) if isinstance(bot, dict) else None,
    )


def _without_reply_id(reference: dict[str, Any] | None) -> dict[str, Any] | None:
    """A reference saved from an incoming message names that message; a proactive
    message must be a new post in the conversation, not a reply to it."""
    if reference is None:
        return None
    cleaned = dict(reference)
    cleaned.pop("activityId", None)
    return cleaned
