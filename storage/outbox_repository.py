"""SQL for the outbox: insert by idempotency key, claim with a lease, record outcomes.

Statuses: ``pending`` (waiting for ``next_attempt_at``), ``sending`` (claimed,
leased until ``locked_until``), and the final ``sent``, ``failed``,
``undeliverable``, ``dropped`` (its renderer said there is nothing to send
any more, or it expired), ``cancelled`` (its recipient left or was
forgotten); an update that never needs to go out ends ``superseded`` (a
newer update of the same card came) or ``merged`` (folded into its card's
send before that was posted).

Claiming takes rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
replicas never take the same row, and re-checks the claim condition in the
``UPDATE`` itself, so a claim is atomic on SQLite too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import ForumRow, OutboxMessageRow, PersonRow
from storage.types import utcnow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNDELIVERABLE = "undeliverable"
SUPERSEDED = "superseded"
MERGED = "merged"
DROPPED = "dropped"
CANCELLED = "cancelled"
"""Final: never sent because its recipient left the forum or asked to be forgotten."""
PROBLEMS = (FAILED, UNDELIVERABLE)
"""Final statuses that mean "this did not reach anyone" and someone should know."""
NOT_DELIVERED = (*PROBLEMS, DROPPED, CANCELLED)
"""Final statuses of a send that posted nothing (``dropped``: nothing to say any more)."""

SEND = "send"
UPDATE = "update"

Outbox = OutboxMessageRow


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _rowcount(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


# --- enqueue ------------------------------------------------------------


async def insert_if_absent(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert unless the idempotency key exists; a concurrent twin loses quietly. True when inserted."""
    now = utcnow()
    row = {"created_at": now, "updated_at": now, "attempts": 0, **values}
    dialect = postgresql if is_postgres(session) else sqlite
    table = Outbox.__table__  # a Core insert: the ORM's bulk-insert path cost ~1 ms a turn
    statement = dialect.insert(table).values(**row).on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = await session.execute(statement.returning(table.c.id))
    return result.first() is not None


@dataclass(frozen=True)
class CardState:
    """What deciding on an update of a posted card needs, read in one statement."""

    operation: str
    status: str
    forum_id: int | None
    recipient_person_id: int | None
    data: dict[str, Any] | None
    pending_update_id: int | None
    update_count: int


_PENDING_UPDATE = aliased(Outbox, name="pending_update")
_ANY_UPDATE = aliased(Outbox, name="any_update")


def _card_state_statement() -> Select[Any]:
    """Built once: building it took 0.5 ms of CPU, every RSVP and vote (and its cache key is kept)."""
    pending, every = _PENDING_UPDATE, _ANY_UPDATE
    waiting = (
        select(pending.id)
        .where(pending.target_key == Outbox.idempotency_key, pending.operation == UPDATE, pending.status == PENDING)
        .order_by(pending.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    count = (
        select(func.count())
        .select_from(every)
        .where(every.target_key == Outbox.idempotency_key, every.operation == UPDATE)
        .scalar_subquery()
    )
    return select(
        Outbox.operation,
        Outbox.status,
        Outbox.forum_id,
        Outbox.recipient_person_id,
        Outbox.data,
        waiting,
        count,
    ).where(Outbox.idempotency_key == bindparam("card_key"))


_CARD_STATE = _card_state_statement()


async def card_state(session: AsyncSession, card_key: str) -> CardState | None:
    """The card's row, its update still waiting (if any) and how many updates it ever had.

    Not locked (no ``FOR UPDATE``): every RSVP and vote reads this, and a row lock
    held to the end of the turn's transaction made concurrent presses of one card
    queue one after another on PostgreSQL (``bench/inbound.py``). Two turns that
    both see no waiting update insert the same next update key; the unique key
    lets one win, and ``forum.delivery.intents.request_card_update`` has the other
    decide again with fresh, locked reads. The lock never ordered the subqueries
    either: they read the statement's snapshot, taken before the wait.
    """
    row = (await session.execute(_CARD_STATE, {"card_key": card_key})).first()
    if row is None:
        return None
    operation, status, forum_id, recipient, data, pending_id, updates = row
    return CardState(operation, status, forum_id, recipient, data, pending_id, int(updates or 0))


async def by_key(session: AsyncSession, key: str, *, for_update: bool = False) -> OutboxMessageRow | None:
    statement = select(Outbox).where(Outbox.idempotency_key == key).execution_options(populate_existing=True)
    if for_update and is_postgres(session):
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def fold_into_pending(session: AsyncSession, message_id: int, payload: dict[str, Any]) -> bool:
    """Replace a not-yet-claimed send's payload; False when a worker already has it."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, Outbox.status == PENDING)
        .values(payload=payload, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) > 0


async def supersede_pending_updates(session: AsyncSession, target_key: str) -> int:
    result = await session.execute(
        update(Outbox)
        .where(Outbox.target_key == target_key, Outbox.operation == UPDATE, Outbox.status == PENDING)
        .values(status=SUPERSEDED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def pending_update_of(session: AsyncSession, card_key: str) -> OutboxMessageRow | None:
    """The card's update waiting to go, if any (intent updates coalesce into it)."""
    statement = (
        select(Outbox)
        .where(Outbox.target_key == card_key, Outbox.operation == UPDATE, Outbox.status == PENDING)
        .order_by(Outbox.id.desc())
        .limit(1)
    )
    return await session.scalar(statement)


async def update_count(session: AsyncSession, card_key: str) -> int:
    """How many updates of the card were ever queued (the next update's key counts on)."""
    statement = select(func.count()).where(Outbox.target_key == card_key, Outbox.operation == UPDATE)
    return int(await session.scalar(statement) or 0)


# --- claim --------------------------------------------------------------


_TARGET = aliased(Outbox, name="claim_target")
_SIBLING = aliased(Outbox, name="claim_sibling")
"""Built once: an alias proxies every column of the table, which cost more CPU than the rest of a
claim's statement when made per call (``bench/profile_turn.py``); an alias is reusable."""


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due pending rows and rows whose lease ran out; an update only once its card is
    settled (sent or failed) and no other update of that card is in flight."""
    target, sibling = _TARGET, _SIBLING
    due = or_(
        and_(Outbox.status == PENDING, Outbox.next_attempt_at <= now),
        and_(Outbox.status == SENDING, or_(Outbox.locked_until.is_(None), Outbox.locked_until <= now)),
    )
    target_settled = exists().where(
        target.idempotency_key == Outbox.target_key, target.status.in_((SENT, *NOT_DELIVERED))
    )
    sibling_in_flight = exists().where(
        sibling.target_key == Outbox.target_key,
        sibling.operation == UPDATE,
        sibling.status == SENDING,
        sibling.locked_until > now,
        sibling.id != Outbox.id,
    )
    return and_(due, or_(Outbox.operation == SEND, and_(target_settled, ~sibling_in_flight)))


async def claim_due(session: AsyncSession, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Lease up to ``limit`` due rows to the caller; returns their ids, oldest first.

    Reclaiming a row whose lease ran out counts the lost attempt: a message
    that crashes the worker every time still runs out of attempts.
    """
    candidates = select(Outbox.id).where(_claimable(now)).order_by(Outbox.id).limit(limit)
    if is_postgres(session):
        candidates = candidates.with_for_update(skip_locked=True, of=Outbox)
    ids = list((await session.scalars(candidates)).all())
    if not ids:
        return []
    result = await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), _claimable(now))
        .values(
            status=SENDING,
            locked_until=now + lease,
            attempts=case((Outbox.status == SENDING, Outbox.attempts + 1), else_=Outbox.attempts),
            updated_at=utcnow(),
        )
        .returning(Outbox.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(int(i) for i in result.scalars().all())


async def rows_by_ids(session: AsyncSession, ids: Collection[int]) -> Sequence[OutboxMessageRow]:
    statement = select(Outbox).where(Outbox.id.in_(ids)).order_by(Outbox.id)
    return (await session.scalars(statement.execution_options(populate_existing=True))).all()


async def rows_by_keys(session: AsyncSession, keys: Collection[str]) -> dict[str, OutboxMessageRow]:
    if not keys:
        return {}
    rows = (await session.scalars(select(Outbox).where(Outbox.idempotency_key.in_(keys)))).all()
    return {row.idempotency_key: row for row in rows}


async def people_by_ids(session: AsyncSession, ids: Collection[int]) -> dict[int, PersonRow]:
    if not ids:
        return {}
    return {row.id: row for row in (await session.scalars(select(PersonRow).where(PersonRow.id.in_(ids)))).all()}


async def forums_by_ids(session: AsyncSession, ids: Collection[int]) -> dict[int, ForumRow]:
    if not ids:
        return {}
    return {row.id: row for row in (await session.scalars(select(ForumRow).where(ForumRow.id.in_(ids)))).all()}


async def newer_update_exists(session: AsyncSession, message: OutboxMessageRow) -> bool:
    newer = select(Outbox.id).where(
        Outbox.target_key == message.target_key,
        Outbox.operation == UPDATE,
        Outbox.id > message.id,
        Outbox.status.in_((PENDING, SENDING, SENT)),
    )
    return (await session.scalar(select(exists(newer)))) is True


# --- outcomes -----------------------------------------------------------


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    *,
    now: datetime,
    activity_id: str | None,
    conversation_id: str | None,
    reference: dict[str, Any] | None,
    status_code: int | None,
) -> None:
    """Record a delivery. Any status but ``sent`` is overwritten: it did go out."""
    values: dict[str, Any] = {
        "status": SENT,
        "sent_at": now,
        "activity_id": activity_id,
        "conversation_id": conversation_id,
        "last_status_code": status_code,
        "last_error": None,
        "locked_until": None,
        "attempts": Outbox.attempts + 1,
        "updated_at": utcnow(),
    }
    if reference is not None:
        values["conversation_reference"] = reference
    await session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, Outbox.status.not_in((SENT, CANCELLED)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def mark_attempt_failed(
    session: AsyncSession,
    message_id: int,
    *,
    status: str,
    status_code: int | None,
    error: str,
    retry_at: datetime | None,
    attempted_at: datetime | None = None,
) -> None:
    """Count a failed attempt: back to pending at ``retry_at``, or a final ``status``.

    Only a row still ``sending`` changes: if another worker delivered it after
    this one's lease ran out, its ``sent`` stands.
    """
    values: dict[str, Any] = {
        "status": status,
        "last_status_code": status_code,
        "last_error": error,
        "locked_until": None,
        "attempts": Outbox.attempts + 1,
        "updated_at": utcnow(),
    }
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if attempted_at is not None:
        values["first_attempt_at"] = func.coalesce(Outbox.first_attempt_at, attempted_at)
    await session.execute(
        update(Outbox)
        .where(Outbox.id == message_id, Outbox.status == SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, ids: Collection[int], not_before: datetime) -> None:
    """Hand claimed rows back untried (their conversation is throttled): no attempt counted."""
    if not ids:
        return
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.status == SENDING)
        .values(status=PENDING, locked_until=None, next_attempt_at=not_before, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def mark_dropped(session: AsyncSession, ids: Collection[int], reason: str) -> None:
    """End claimed rows as ``dropped``: nothing to send any more (no attempt counted)."""
    if not ids:
        return
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.status == SENDING)
        .values(status=DROPPED, locked_until=None, last_error=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def remember_personal_reference(session: AsyncSession, person_id: int, reference: dict[str, Any]) -> None:
    """Keep a 1:1 conversation the worker created, unless the person has one by now."""
    await session.execute(
        update(PersonRow)
        .where(PersonRow.id == person_id, PersonRow.personal_reference.is_(None))
        .values(personal_reference=reference, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- coordinators' view -------------------------------------------------


async def status_counts(session: AsyncSession, forum_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Outbox.status, func.count()).where(Outbox.forum_id == forum_id).group_by(Outbox.status)
    )
    return {str(status): int(count) for status, count in rows.all()}


async def problem_rows(
    session: AsyncSession, forum_id: int, limit: int
) -> Sequence[tuple[OutboxMessageRow, str | None]]:
    """The latest rows that reached nobody, with the recipient's name when a person."""
    statement = (
        select(Outbox, PersonRow.name)
        .outerjoin(PersonRow, PersonRow.id == Outbox.recipient_person_id)
        .where(Outbox.forum_id == forum_id, Outbox.status.in_(PROBLEMS))
        .order_by(Outbox.updated_at.desc(), Outbox.id.desc())
        .limit(limit)
    )
    return [(row, name) for row, name in (await session.execute(statement)).all()]


# --- one person's messages ("my data", "forget me", leavers) -------------

SCRUBBED_PAYLOAD: dict[str, Any] = {"type": "message", "erased": True}


async def rows_to_person(session: AsyncSession, person_id: int) -> Sequence[OutboxMessageRow]:
    statement = select(Outbox).where(Outbox.recipient_person_id == person_id).order_by(Outbox.id)
    return (await session.scalars(statement.execution_options(populate_existing=True))).all()


async def cancel_pending_to(session: AsyncSession, person_id: int, forum_id: int | None = None) -> int:
    """Cancel what still waits to go to the person (in ``forum_id``, or anywhere); returns how many.

    A row a worker holds right now (``sending``) is cancelled too: ``mark_sent`` leaves a
    cancelled row alone, so it stays cancelled even if Teams accepted the post.
    """
    condition = and_(Outbox.recipient_person_id == person_id, Outbox.status.in_((PENDING, SENDING)))
    if forum_id is not None:
        condition = and_(condition, Outbox.forum_id == forum_id)
    result = await session.execute(
        update(Outbox)
        .where(condition)
        .values(status=CANCELLED, locked_until=None, last_error="recipient left or was forgotten", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def scrub_rows_to_person(session: AsyncSession, person_id: int) -> int:
    """Keep that a message existed (purpose, status, times), drop what it said and where it went.

    The idempotency key (``…:person:12``) is replaced too: it names the person's old id, and a
    new person given the same id must not find their messages already "sent".
    """
    rows = await rows_to_person(session, person_id)
    for row in rows:
        row.payload = dict(SCRUBBED_PAYLOAD)
        row.data = None
        row.conversation_reference = None
        row.conversation_id = None
        row.last_error = None
        row.idempotency_key = f"erased:{row.id}"
        row.target_key = None
        row.recipient_person_id = None
    await session.flush()
    return len(rows)


async def personal_conversation_ids(session: AsyncSession, person_id: int) -> set[str]:
    """1:1 conversations the outbox reached the person in (the worker may have opened one)."""
    statement = select(Outbox.conversation_id).where(
        Outbox.recipient_person_id == person_id, Outbox.conversation_id.is_not(None)
    )
    return {str(value) for value in (await session.scalars(statement.distinct())).all()}


async def sent_keys_with_prefix(session: AsyncSession, prefix: str) -> list[str]:
    """Keys of the sends under ``prefix`` that reached Teams (a poll's 1:1 copies, to update at its close)."""
    rows = await session.scalars(
        select(OutboxMessageRow.idempotency_key).where(
            OutboxMessageRow.idempotency_key.startswith(prefix, autoescape=True),
            OutboxMessageRow.operation == SEND,
            OutboxMessageRow.status == SENT,
        )
    )
    return list(rows)


async def delete_with_prefix(session: AsyncSession, prefix: str) -> int:
    """Delete every row whose key starts with ``prefix`` (and the updates that target them)."""
    matches = OutboxMessageRow.idempotency_key.startswith(prefix, autoescape=True)
    targets = OutboxMessageRow.target_key.startswith(prefix, autoescape=True)
    result = await session.execute(delete(OutboxMessageRow).where(or_(matches, targets)))
    return _rowcount(result)
