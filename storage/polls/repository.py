"""Queries of the poll wing. Functions take the caller's session, so one action is one transaction.

Why aggregates in SQL: the results card and the export must not slow down or issue more
statements as answers grow (100,000 stored answers are a benchmark case), so counts per
statement and value are one ``GROUP BY``, open answers a ``LIMIT``ed random sample.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ParticipantRow
from storage.polls.models import (
    PollAnswerRow,
    PollBaselineRow,
    PollQuestionRow,
    PollResponseRow,
    PollRow,
    random_id,
)


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


# --- polls and questions ---------------------------------------------------


async def poll_by_id(session: AsyncSession, poll_id: int, *, for_update: bool = False) -> PollRow | None:
    """``for_update`` locks the poll on PostgreSQL: answers and closing of one poll take turns."""
    query = select(PollRow).where(PollRow.id == poll_id).execution_options(populate_existing=True)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return await session.scalar(query)


_ANSWERS = cast(Table, PollAnswerRow.__table__)
_POLL_WITH_QUESTIONS = (
    select(PollRow, PollQuestionRow)
    .outerjoin(PollQuestionRow, PollQuestionRow.poll_id == PollRow.id)
    .where(PollRow.id == bindparam("poll_id"))
    .order_by(PollQuestionRow.position)
    .execution_options(populate_existing=True)
)
"""Built once, as the vote's other statements (each took 0.2–0.6 ms of CPU to build)."""
_POLL_WITH_QUESTIONS_LOCKED = _POLL_WITH_QUESTIONS.with_for_update(read=True, of=PollRow)
"""FOR SHARE: votes do not queue on each other; a close (FOR UPDATE) and the votes take turns."""
_RESPONSE_COUNT = (
    select(func.count())
    .select_from(PollResponseRow)
    .where(PollResponseRow.poll_id == bindparam("poll_id"))
    .scalar_subquery()
)
_RESPONSE_BY_HASH_AND_COUNT = select(PollResponseRow, _RESPONSE_COUNT).where(
    PollResponseRow.poll_id == bindparam("poll_id"), PollResponseRow.voter_hash == bindparam("voter")
)
_RESPONSE_BY_PARTICIPANT_AND_COUNT = select(PollResponseRow, _RESPONSE_COUNT).where(
    PollResponseRow.poll_id == bindparam("poll_id"), PollResponseRow.participant_id == bindparam("voter")
)
_DELETE_ANSWERS = (
    delete(PollAnswerRow)
    .where(PollAnswerRow.response_id == bindparam("response_id"))
    .execution_options(synchronize_session=False)
)


async def poll_with_questions(
    session: AsyncSession, poll_id: int, *, for_update: bool = False
) -> tuple[PollRow, list[PollQuestionRow]] | None:
    """The poll and its questions in one statement (a vote reads nothing else about the poll);
    ``for_update`` share-locks the poll's row (only it) on PostgreSQL: votes side by side, the
    close (``poll_by_id(for_update=True)``) apart from them."""
    locks = for_update and session.get_bind().dialect.name == "postgresql"
    query = _POLL_WITH_QUESTIONS_LOCKED if locks else _POLL_WITH_QUESTIONS
    found = (await session.execute(query, {"poll_id": poll_id})).all()
    if not found:
        return None
    return found[0][0], [question for _poll, question in found if question is not None]


async def poll_by_number(session: AsyncSession, forum_id: int, number: int) -> PollRow | None:
    return await session.scalar(select(PollRow).where(PollRow.forum_id == forum_id, PollRow.number == number))


async def polls_of(session: AsyncSession, forum_id: int) -> Sequence[PollRow]:
    return (await session.scalars(select(PollRow).where(PollRow.forum_id == forum_id).order_by(PollRow.number))).all()


async def closed_polls_before(session: AsyncSession, forum_id: int, number: int) -> Sequence[PollRow]:
    query = (
        select(PollRow)
        .where(PollRow.forum_id == forum_id, PollRow.number < number, PollRow.status == "closed")
        .order_by(PollRow.number.desc())
    )
    return (await session.scalars(query)).all()


async def next_number(session: AsyncSession, forum_id: int) -> int:
    highest = await session.scalar(select(func.max(PollRow.number)).where(PollRow.forum_id == forum_id))
    return int(highest or 0) + 1


async def questions_of(session: AsyncSession, poll_ids: Collection[int]) -> Sequence[PollQuestionRow]:
    if not poll_ids:
        return []
    query = select(PollQuestionRow).where(PollQuestionRow.poll_id.in_(list(poll_ids)))
    return (await session.scalars(query.order_by(PollQuestionRow.poll_id, PollQuestionRow.position))).all()


async def polls_to_close(session: AsyncSession, poll_ids: Collection[int]) -> Sequence[PollRow]:
    return (await session.scalars(select(PollRow).where(PollRow.id.in_(list(poll_ids))))).all()


# --- responses and answers -------------------------------------------------


async def response_of(
    session: AsyncSession, poll_id: int, *, voter_hash: str | None = None, participant_id: int | None = None
) -> PollResponseRow | None:
    query = select(PollResponseRow).where(PollResponseRow.poll_id == poll_id)
    if voter_hash is not None:
        query = query.where(PollResponseRow.voter_hash == voter_hash)
    elif participant_id is not None:
        query = query.where(PollResponseRow.participant_id == participant_id)
    else:
        return None
    return await session.scalar(query)


async def response_and_count(
    session: AsyncSession, poll_id: int, *, voter_hash: str | None = None, participant_id: int | None = None
) -> tuple[PollResponseRow | None, int]:
    """The voter's response (None when they have not answered) and how many have answered.

    One statement for an edited answer (nearly every vote): the card a vote returns shows the
    count, and asking for it apart would be another round trip.
    """
    voter: str | int
    if voter_hash is not None:
        query, voter = _RESPONSE_BY_HASH_AND_COUNT, voter_hash
    elif participant_id is not None:
        query, voter = _RESPONSE_BY_PARTICIPANT_AND_COUNT, participant_id
    else:
        return None, await response_count(session, poll_id)
    found = (await session.execute(query, {"poll_id": poll_id, "voter": voter})).first()
    if found is not None:
        return found[0], int(found[1] or 0)
    return None, await response_count(session, poll_id)  # a first answer: it inserts anyway


async def add_response(
    session: AsyncSession, poll_id: int, *, voter_hash: str | None, participant_id: int | None
) -> str:
    response_id = random_id()
    session.add(PollResponseRow(id=response_id, poll_id=poll_id, voter_hash=voter_hash, participant_id=participant_id))
    await session.flush()
    return response_id


async def replace_answers(
    session: AsyncSession,
    response_id: str,
    answers: Iterable[tuple[int, int | None, str | None]],
    *,
    fresh: bool = False,
) -> None:
    """The response's answers become ``answers`` (question id, value, text), each with a new random id.

    ``fresh``: the response was created in this transaction, so it has no answers to delete.
    """
    if not fresh:
        await session.execute(_DELETE_ANSWERS, {"response_id": response_id})
    rows = [
        {"id": random_id(), "response_id": response_id, "question_id": q, "value": v, "text": t} for q, v, t in answers
    ]
    if rows:
        await session.execute(insert(_ANSWERS), rows)  # the table: a Core insert, not the ORM's bulk path


async def answers_of(session: AsyncSession, response_id: str) -> Sequence[PollAnswerRow]:
    return (await session.scalars(select(PollAnswerRow).where(PollAnswerRow.response_id == response_id))).all()


async def response_count(session: AsyncSession, poll_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(PollResponseRow).where(PollResponseRow.poll_id == poll_id)
    )
    return int(count or 0)


async def value_counts(session: AsyncSession, question_ids: Collection[int]) -> Sequence[tuple[int, int | None, int]]:
    """(question id, value, how many) for the questions; an open question's answers count under None.

    Straight from the (question, value) index: no join, no table rows read.
    """
    if not question_ids:
        return []
    query = (
        select(PollAnswerRow.question_id, PollAnswerRow.value, func.count())
        .where(PollAnswerRow.question_id.in_(list(question_ids)))
        .group_by(PollAnswerRow.question_id, PollAnswerRow.value)
    )
    return [(int(q), None if v is None else int(v), int(n)) for q, v, n in (await session.execute(query)).all()]


async def open_sample(session: AsyncSession, question_ids: Collection[int], limit: int) -> Sequence[tuple[int, str]]:
    """Up to ``limit`` open answers per question, one statement for all of them.

    Why by id and not ``ORDER BY random()``: the ids are random (``random_id``), so the first
    ``limit`` by id are a uniform sample already, read from the (question, id) index without
    sorting every answer; the caller shuffles what it shows.
    """
    if not question_ids:
        return []
    parts = []
    for question_id in question_ids:
        first = (
            select(PollAnswerRow.question_id, PollAnswerRow.text)
            .where(PollAnswerRow.question_id == question_id, PollAnswerRow.text.is_not(None))
            .order_by(PollAnswerRow.id)
            .limit(limit)
            .subquery()
        )
        parts.append(select(first.c.question_id, first.c.text))
    query = union_all(*parts) if len(parts) > 1 else parts[0]
    return [(int(q), str(t)) for q, t in (await session.execute(query)).all()]


async def all_answers(
    session: AsyncSession, poll_id: int
) -> Sequence[tuple[str, int | None, int, int | None, str | None]]:
    """Every answer as (response id, participant id, question id, value, text), by random response id."""
    query = (
        select(
            PollResponseRow.id,
            PollResponseRow.participant_id,
            PollAnswerRow.question_id,
            PollAnswerRow.value,
            PollAnswerRow.text,
        )
        .join(PollAnswerRow, PollAnswerRow.response_id == PollResponseRow.id)
        .where(PollResponseRow.poll_id == poll_id)
        .order_by(PollResponseRow.id)
    )
    return [(str(r), p, int(q), v, t) for r, p, q, v, t in (await session.execute(query)).all()]


async def participant_names(session: AsyncSession, participant_ids: Collection[int]) -> dict[int, str]:
    if not participant_ids:
        return {}
    rows = (await session.scalars(select(ParticipantRow).where(ParticipantRow.id.in_(list(participant_ids))))).unique()
    return {row.id: row.person.name for row in rows}


async def forget_voters(session: AsyncSession, poll_id: int) -> None:
    """Closing an anonymous poll: the key and every hash go."""
    await session.execute(update(PollRow).where(PollRow.id == poll_id).values(voter_key=None))
    await session.execute(
        update(PollResponseRow)
        .where(PollResponseRow.poll_id == poll_id)
        .values(voter_hash=None)
        .execution_options(synchronize_session=False)
    )


async def rewrite_shuffled(session: AsyncSession, poll_id: int, order: Any) -> int:
    """Write the poll's responses and answers again in a random order with new ids; returns how many.

    ``order`` shuffles a list in place (``random.SystemRandom().shuffle``). Why: rows are stored
    in the order they were written (SQLite's rowid, PostgreSQL's heap), and that order is when
    people answered, which a per-activity log line's time could match.
    """
    responses = (
        await session.execute(
            select(PollResponseRow.id, PollResponseRow.participant_id).where(PollResponseRow.poll_id == poll_id)
        )
    ).all()
    answers = (
        await session.execute(
            select(PollAnswerRow.response_id, PollAnswerRow.question_id, PollAnswerRow.value, PollAnswerRow.text)
            .join(PollResponseRow, PollResponseRow.id == PollAnswerRow.response_id)
            .where(PollResponseRow.poll_id == poll_id)
        )
    ).all()
    await session.execute(
        delete(PollResponseRow).where(PollResponseRow.poll_id == poll_id).execution_options(synchronize_session=False)
    )
    new_ids = {str(old): random_id() for old, _ in responses}
    response_rows = [
        {"id": new_ids[str(old)], "poll_id": poll_id, "voter_hash": None, "participant_id": p} for old, p in responses
    ]
    answer_rows = [
        {"id": random_id(), "response_id": new_ids[str(r)], "question_id": q, "value": v, "text": t}
        for r, q, v, t in answers
    ]
    order(response_rows)
    order(answer_rows)
    for start in range(0, len(response_rows), 5000):
        await session.execute(insert(PollResponseRow), response_rows[start : start + 5000])
    for start in range(0, len(answer_rows), 5000):
        await session.execute(insert(PollAnswerRow), answer_rows[start : start + 5000])
    return len(response_rows)


# --- one person's answers ("my data", "forget me") -------------------------


async def named_responses_of_person(session: AsyncSession, person_id: int) -> Sequence[tuple[PollResponseRow, PollRow]]:
    query = (
        select(PollResponseRow, PollRow)
        .join(PollRow, PollRow.id == PollResponseRow.poll_id)
        .join(ParticipantRow, ParticipantRow.id == PollResponseRow.participant_id)
        .where(ParticipantRow.person_id == person_id)
        .order_by(PollRow.forum_id, PollRow.number)
    )
    return [(response, poll) for response, poll in (await session.execute(query)).all()]


async def open_anonymous_polls_of_person(session: AsyncSession, person_id: int) -> Sequence[PollRow]:
    """Open anonymous polls of the forums the person belongs to (their hash may be there)."""
    forums = select(ParticipantRow.forum_id).where(ParticipantRow.person_id == person_id)
    query = select(PollRow).where(PollRow.forum_id.in_(forums), PollRow.voter_key.is_not(None))
    return (await session.scalars(query)).all()


async def delete_responses(session: AsyncSession, response_ids: Collection[str]) -> int:
    if not response_ids:
        return 0
    result = await session.execute(
        delete(PollResponseRow)
        .where(PollResponseRow.id.in_(list(response_ids)))
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


# --- earlier rounds --------------------------------------------------------


async def baselines_of(session: AsyncSession, forum_id: int) -> Sequence[PollBaselineRow]:
    query = select(PollBaselineRow).where(PollBaselineRow.forum_id == forum_id)
    return (await session.scalars(query.order_by(PollBaselineRow.created_at.desc(), PollBaselineRow.position))).all()


async def replace_baseline(session: AsyncSession, forum_id: int, label: str, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(
        delete(PollBaselineRow)
        .where(PollBaselineRow.forum_id == forum_id, PollBaselineRow.label == label)
        .execution_options(synchronize_session=False)
    )
    await session.execute(insert(PollBaselineRow), [{"forum_id": forum_id, "label": label, **row} for row in rows])


async def who_answered(session: AsyncSession, poll_id: int) -> tuple[set[str], set[int]]:
    """The poll's responses as stored: (voter hashes, participant ids); for the one nudge."""
    rows = await session.execute(
        select(PollResponseRow.voter_hash, PollResponseRow.participant_id).where(PollResponseRow.poll_id == poll_id)
    )
    hashes: set[str] = set()
    participants: set[int] = set()
    for voter_hash, participant_id in rows:
        if voter_hash is not None:
            hashes.add(voter_hash)
        if participant_id is not None:
            participants.add(participant_id)
    return hashes, participants
