"""Everything a person can do with polls, one short transaction per action.

Why the voter hash: an anonymous poll must keep one answer per person and let them change it
until it closes, without storing who answered. The response is found by
``HMAC(poll's own key, person id)``; closing deletes the key and the hashes (and rewrites the
answers in random order), after which no one, the bot included, can tell whose they were.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import enqueue_card_update, enqueue_intent
from forum.delivery.jobs import JobView, cancel_jobs, upsert_job
from forum.delivery.outbox import ChannelTarget, PersonTarget, enqueue_message
from forum.i18n import N_
from forum.people.permissions import NotCoordinatorError
from forum.people.roster import Actor
from forum.polls.copies import close_personal_copies, queue_personal_copies
from forum.polls.definition import MAX_OPEN_ANSWER, PollDefinition, QuestionKind, forum_survey
from forum.polls.messages import POLL_ID, PURPOSE_CARD, PURPOSE_CARD_UPDATE, PURPOSE_RESULTS
from forum.polls.model import (
    InvalidAnswersError,
    NotPollMemberError,
    Poll,
    PollAlreadyStartedError,
    PollNotFoundError,
    PollNotOpenError,
    PollNotYetOpenError,
    PollStatus,
    create_poll,
    list_polls,
    load_poll,
    load_poll_by_number,
    poll_of,
)
from forum.polls.results import PollResults, poll_results
from forum.polls.voters import voter_hash
from storage import roster_repository as roster_repo
from storage.polls import repository as repo
from storage.transactions import write_transaction
from storage.types import utcnow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CLOSE_JOB = "poll.close"
_shuffle = random.SystemRandom().shuffle


class PollChannelMissingError(Exception):
    """The forum has no channel to post the poll in (the bot is not in a team)."""


class PollNotClosedError(Exception):
    """Results and exports wait until the poll has closed."""


def card_key(poll_id: int) -> str:
    return f"poll:{poll_id}:card"


def close_job_key(poll_id: int) -> str:
    return f"poll:{poll_id}:close"


def validate_answers(poll: Poll, raw: Mapping[int, str]) -> dict[int, int | str]:
    """The card's inputs (question id → text as sent) as answers, or ``InvalidAnswersError``.

    A value the card cannot have sent (outside the scale, an unknown question) refuses the whole
    submission; an open answer over the limit comes back beside its question. Empty inputs are
    unanswered questions; answering nothing at all is refused.
    """
    answers: dict[int, int | str] = {}
    errors: dict[int, str] = {}
    for question_id, value in raw.items():
        question = poll.question(question_id)
        if question is None:
            raise InvalidAnswersError({}, N_("poll.invalid.unknown"))
        value = value.strip()
        if not value:
            continue
        if question.kind is QuestionKind.OPEN:
            if len(value) > MAX_OPEN_ANSWER:
                errors[question_id] = N_("poll.invalid.too_long")
            else:
                answers[question_id] = value
            continue
        if not (value.isascii() and value.isdigit() and len(value) <= 3) or int(value) not in question.values:
            raise InvalidAnswersError({}, N_("poll.invalid.value"))
        answers[question_id] = int(value)
    if errors:
        raise InvalidAnswersError(errors)
    if not answers:
        raise InvalidAnswersError({}, N_("poll.invalid.empty"))
    return answers


@dataclass(frozen=True)
class AnswerOutcome:
    poll: Poll
    first: bool
    """The person's first answer to this poll (the card's count goes up)."""
    answers: Mapping[int, int | str]
    """What is stored for the person now: their card is drawn from it without reading it back."""
    respondents: int = 0
    """How many have answered, this person included: counted in the vote's own transaction."""


async def close_poll(session: AsyncSession, poll_id: int, now: datetime) -> Poll | None:
    """Close the poll in the caller's transaction; None when it was not open (closed already)."""
    poll = await load_poll(session, poll_id, for_update=True)
    if not poll.is_open:
        return None
    row = await repo.poll_by_id(session, poll_id)
    assert row is not None
    row.status, row.closed_at = PollStatus.CLOSED.value, now
    await session.flush()
    if poll.anonymous:
        await repo.forget_voters(session, poll_id)
        await repo.rewrite_shuffled(session, poll_id, _shuffle)
    await cancel_jobs(session, key_prefix=close_job_key(poll_id))
    await close_personal_copies(session, poll, now)
    if poll.card_key:
        await enqueue_card_update(session, card_key=poll.card_key, purpose=PURPOSE_CARD_UPDATE, now=now)
    await enqueue_intent(
        session,
        key=f"poll:{poll_id}:results",
        purpose=PURPOSE_RESULTS,
        target=ChannelTarget(poll.forum_id),
        data={POLL_ID: poll_id},
        forum_id=poll.forum_id,
        now=now,
    )
    logger.info("poll %s closed", poll_id)
    return await load_poll(session, poll_id)


async def close_job(session: AsyncSession, job: JobView, now: datetime) -> None:
    """The scheduled closing time (job kind ``poll.close``)."""
    if job.subject_id is not None:
        await close_poll(session, job.subject_id, now)


class PollService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    # --- reading ----------------------------------------------------------

    async def polls(self, forum_id: int) -> list[Poll]:
        """The forum's polls; a forum without any gets its own survey as poll 1 (a draft)."""
        async with self._sessions() as session:
            found = await list_polls(session, forum_id)
        if found:
            return found
        async with self._sessions() as session, session.begin():
            if not await list_polls(session, forum_id):
                await create_poll(session, forum_id, forum_survey())
            return await list_polls(session, forum_id)

    async def by_number(self, forum_id: int, number: int) -> Poll:
        if number == 1:
            await self.polls(forum_id)  # the survey exists before anyone asks for it by number
        async with self._sessions() as session:
            return await load_poll_by_number(session, forum_id, number)

    async def by_id(self, poll_id: int) -> Poll:
        async with self._sessions() as session:
            return await load_poll(session, poll_id)

    async def respondents(self, poll_id: int) -> int:
        async with self._sessions() as session:
            return await repo.response_count(session, poll_id)

    async def my_answers(self, actor: Actor, poll_id: int) -> tuple[Poll, dict[int, int | str]]:
        """The person's own answers while the poll is open (empty once it closed, or none given)."""
        async with self._sessions() as session:
            poll = await load_poll(session, poll_id)
            self._require_member(actor, poll)
            response = await self._response(session, poll, actor)
            if response is None:
                return poll, {}
            rows = await repo.answers_of(session, response)
            return poll, {row.question_id: row.text if row.text is not None else int(row.value or 0) for row in rows}

    async def results(self, poll_id: int) -> PollResults:
        async with self._sessions() as session:
            return await poll_results(session, poll_id)

    # --- coordinators -----------------------------------------------------

    def require_coordinator(self, actor: Actor, forum_id: int) -> None:
        if not (actor.is_coordinator and actor.forum is not None and actor.forum.id == forum_id):
            logger.info("person %s refused a poll coordinator action", actor.person.id)
            raise NotCoordinatorError("coordinator role required")

    async def create(self, actor: Actor, forum_id: int, definition: PollDefinition) -> Poll:
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session, session.begin():
            return await create_poll(session, forum_id, definition)

    async def post(self, actor: Actor, poll_id: int, *, personal: bool = False) -> Poll:
        """Open the poll: its card goes to the channel through the outbox, its closing is planned.

        ``personal``: a copy to each active participant's 1:1 too, and one reminder later."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            poll = await load_poll(session, poll_id, for_update=True)
            self.require_coordinator(actor, poll.forum_id)
            if poll.status is not PollStatus.DRAFT:
                raise PollAlreadyStartedError(poll)
            forum = await roster_repo.forum_by_id(session, poll.forum_id)
            if forum is None or not forum.channel_reference:
                raise PollChannelMissingError(poll.forum_id)
            if poll.closes_at is not None and poll.closes_at <= now:
                raise PollNotOpenError(poll)
            row = await repo.poll_by_id(session, poll_id)
            assert row is not None
            row.status, row.opened_at, row.card_key = PollStatus.OPEN.value, now, card_key(poll_id)
            row.voter_key = secrets.token_hex(32) if poll.anonymous else None
            await session.flush()
            await enqueue_intent(
                session,
                key=card_key(poll_id),
                purpose=PURPOSE_CARD,
                target=ChannelTarget(poll.forum_id),
                data={POLL_ID: poll_id},
                forum_id=poll.forum_id,
                not_before=poll.opens_at if poll.opens_at and poll.opens_at > now else None,
                now=now,
            )
            if poll.closes_at is not None:
                await upsert_job(
                    session,
                    key=close_job_key(poll_id),
                    forum_id=poll.forum_id,
                    kind=CLOSE_JOB,
                    subject_id=poll_id,
                    due_at=poll.closes_at,
                    now=now,
                )
            opened = await load_poll(session, poll_id)
            if personal:
                await queue_personal_copies(session, opened, now)
            logger.info("poll %s opened", poll_id)
            return opened

    async def close(self, actor: Actor, poll_id: int) -> tuple[Poll, bool]:
        """Close now: (the poll, whether this closed it)."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            poll = await load_poll(session, poll_id)
            self.require_coordinator(actor, poll.forum_id)
            closed = await close_poll(session, poll_id, now)
            return (closed or poll), closed is not None

    async def deliver_privately(
        self, *, key: str, forum_id: int | None, person_id: int, activity: dict[str, object]
    ) -> None:
        """A preview or an export link for the coordinator's 1:1 (asked for in the channel)."""
        async with self._sessions() as session, session.begin():
            await enqueue_message(
                session,
                key=key,
                purpose="poll_private",
                forum_id=forum_id,
                target=PersonTarget(person_id),
                activity=dict(activity),
                now=self._clock(),
            )

    # --- everyone ---------------------------------------------------------

    async def answer(self, actor: Actor, poll_id: int, raw: Mapping[int, str]) -> AnswerOutcome:
        """Store the person's answers (replacing earlier ones); refused, storing nothing, when invalid.

        One short write transaction: the poll (share-locked on PostgreSQL: votes go side by
        side, and the close, which takes the row for update, waits for the votes in flight and
        they for it), the response found by hash or participant, its answers replaced, and the
        card's count update queued when this is the person's first answer. Two votes of one
        person at once (a double click) meet on the response's or the answers' unique key: the
        one that loses runs again and finds the other's response, so one response remains with
        the later answers.
        """

        async def vote(session: AsyncSession) -> AnswerOutcome:
            found = await repo.poll_with_questions(session, poll_id, for_update=True)
            if found is None:
                raise PollNotFoundError(poll_id)
            row, questions = found
            poll = poll_of(row, questions)
            self._require_member(actor, poll)
            if not poll.is_open:
                raise PollNotOpenError(poll)
            if poll.opens_at is not None and poll.opens_at > self._clock():
                raise PollNotYetOpenError(poll)
            answers = validate_answers(poll, raw)
            voter = _voter(row.voter_key, poll, actor)
            response, respondents = await repo.response_and_count(
                session, poll.id, voter_hash=voter[0], participant_id=voter[1]
            )
            first = response is None
            if response is not None:
                response_id = response.id
            else:
                response_id = await repo.add_response(session, poll.id, voter_hash=voter[0], participant_id=voter[1])
                respondents += 1
            await repo.replace_answers(
                session,
                response_id,
                (
                    (qid, value if isinstance(value, int) else None, value if isinstance(value, str) else None)
                    for qid, value in answers.items()
                ),
                fresh=first,
            )
            if first and poll.card_key:
                await enqueue_card_update(session, card_key=poll.card_key, purpose=PURPOSE_CARD_UPDATE)
            return AnswerOutcome(poll, first, answers, respondents)

        return await write_transaction(self._sessions, vote, also_retry=(IntegrityError,))

    # --- inside -----------------------------------------------------------

    @staticmethod
    def _require_member(actor: Actor, poll: Poll) -> None:
        participant = actor.participant
        if participant is None or participant.forum_id != poll.forum_id or not participant.active:
            raise NotPollMemberError("not a member of the poll's forum")

    @staticmethod
    async def _response(session: AsyncSession, poll: Poll, actor: Actor) -> str | None:
        row = await repo.poll_by_id(session, poll.id)
        if row is None:
            return None
        voter_hash_, participant_id = _voter(row.voter_key, poll, actor)
        found = await repo.response_of(session, poll.id, voter_hash=voter_hash_, participant_id=participant_id)
        return found.id if found is not None else None


def _voter(key: str | None, poll: Poll, actor: Actor) -> tuple[str | None, int | None]:
    """Who answers, as stored: (voter hash, None) in an anonymous poll, (None, participant) in a named one."""
    if poll.anonymous:
        if key is None:  # closed: nobody can be found any more
            return "-", None
        return voter_hash(key, actor.person.id), None
    assert actor.participant is not None
    return None, actor.participant.id
