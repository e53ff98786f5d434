"""A poll and its questions as the rest of the bot sees them, and the errors its actions raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from forum.polls.definition import PollDefinition, QuestionKind, Texts, statement_key, text_in
from storage.polls import repository as repo
from storage.polls.models import PollQuestionRow, PollRow


class PollStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Question:
    id: int
    position: int
    kind: QuestionKind
    text: Texts
    scale: tuple[int, int] | None
    options: tuple[Texts, ...]
    key: str

    @property
    def values(self) -> tuple[int, ...]:
        """The values an answer may take: the scale's points, or the options' indexes."""
        if self.kind is QuestionKind.SCALE and self.scale is not None:
            return tuple(range(self.scale[0], self.scale[1] + 1))
        if self.kind is QuestionKind.CHOICE:
            return tuple(range(len(self.options)))
        return ()

    def label(self, value: int, locale: str) -> str:
        if self.kind is QuestionKind.CHOICE and 0 <= value < len(self.options):
            return text_in(self.options[value], locale)
        return str(value)


@dataclass(frozen=True)
class Poll:
    id: int
    forum_id: int
    number: int
    title: Texts
    source: str
    anonymous: bool
    min_group: int
    status: PollStatus
    opens_at: datetime | None
    closes_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    card_key: str | None
    questions: tuple[Question, ...]

    @property
    def is_open(self) -> bool:
        return self.status is PollStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status is PollStatus.CLOSED

    def question(self, question_id: int) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def statements(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind is QuestionKind.SCALE)


Answers = Mapping[int, int | str]
"""One person's answers: question id → a value (scale point, option index) or an open text."""


class PollNotFoundError(LookupError):
    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class PollNotOpenError(Exception):
    """Answers to a draft or a closed poll are refused; nothing is stored."""

    def __init__(self, poll: Poll) -> None:
        super().__init__(poll.id)
        self.poll = poll


class PollNotYetOpenError(PollNotOpenError):
    """An answer before the poll's ``opens_at``: its card waits for that time, so an answer now
    came from a stale card or a crafted invoke; refused like a closed poll's, nothing stored."""


class PollAlreadyStartedError(PollNotOpenError):
    """``poll start`` on a poll already open or closed."""


class NotPollMemberError(PermissionError):
    """Someone outside the poll's forum tried to answer it."""


@dataclass
class InvalidAnswersError(ValueError):
    """Answers the card cannot have sent (a value outside the scale, an unknown question) or
    that break a rule (an open answer too long, nothing answered); ``errors``: question id → message id."""

    errors: dict[int, str]
    general: str | None = None


def question_of(row: PollQuestionRow) -> Question:
    options = tuple((row.options or {}).get("items", ()))
    scale = (row.scale_min, row.scale_max) if row.scale_min is not None and row.scale_max is not None else None
    return Question(row.id, row.position, QuestionKind(row.kind), dict(row.text), scale, options, row.statement_key)


def poll_of(row: PollRow, questions: Sequence[PollQuestionRow]) -> Poll:
    return Poll(
        id=row.id,
        forum_id=row.forum_id,
        number=row.number,
        title=dict(row.title),
        source=row.source,
        anonymous=row.anonymous,
        min_group=row.min_group,
        status=PollStatus(row.status),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        card_key=row.card_key,
        questions=tuple(question_of(q) for q in questions if q.poll_id == row.id),
    )


async def load_poll(session: AsyncSession, poll_id: int, *, for_update: bool = False) -> Poll:
    row = await repo.poll_by_id(session, poll_id, for_update=for_update)
    if row is None:
        raise PollNotFoundError(poll_id)
    return poll_of(row, await repo.questions_of(session, [row.id]))


async def load_poll_by_number(session: AsyncSession, forum_id: int, number: int) -> Poll:
    row = await repo.poll_by_number(session, forum_id, number)
    if row is None:
        raise PollNotFoundError(number)
    return poll_of(row, await repo.questions_of(session, [row.id]))


async def list_polls(session: AsyncSession, forum_id: int) -> list[Poll]:
    rows = await repo.polls_of(session, forum_id)
    questions = await repo.questions_of(session, [row.id for row in rows])
    return [poll_of(row, questions) for row in rows]


async def create_poll(session: AsyncSession, forum_id: int, definition: PollDefinition) -> Poll:
    """A draft poll with the next free number in the forum."""
    row = PollRow(
        forum_id=forum_id,
        number=await repo.next_number(session, forum_id),
        title=dict(definition.title),
        source=definition.source,
        anonymous=definition.anonymous,
        min_group=definition.min_group,
        status=PollStatus.DRAFT.value,
        opens_at=definition.opens_at,
        closes_at=definition.closes_at,
    )
    session.add(row)
    await session.flush()
    for position, question in enumerate(definition.questions, start=1):
        session.add(
            PollQuestionRow(
                poll_id=row.id,
                position=position,
                kind=question.kind.value,
                scale_min=question.scale[0] if question.scale else None,
                scale_max=question.scale[1] if question.scale else None,
                text=dict(question.text),
                options={"items": [dict(o) for o in question.options]} if question.options else None,
                statement_key=statement_key(question.text),
            )
        )
    await session.flush()
    return await load_poll(session, row.id)
