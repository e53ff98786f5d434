"""Everything a person can do with check-ins, one short transaction per action.

Why one service: an answer touches the record, maybe a new experiment, the critical
friends' 1:1 messages, the digest card and a membership claim, all-or-nothing, with the
permission check first. The bot layer calls only this class; it never opens a session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.checkins import pairs as pairs_module
from forum.checkins.answers import (
    CheckinInput,
    checkin_view,
    member_of,
    numbered_round,
    person_prefs,
    plan_save,
    prompt_view,
    save_checkin,
    validate,
)
from forum.checkins.calendar import RoundPolicy
from forum.checkins.digest import museum_digest
from forum.checkins.messages import (
    CHECKIN_ID,
    PURPOSE_FRIEND,
    PURPOSE_FRIEND_REPLY,
    PURPOSE_MEMBER_CLAIM,
    REPLY_ID,
)
from forum.checkins.model import (
    MAX_TEXT,
    CheckinInvalidError,
    CheckinView,
    MuseumDigest,
    NoMuseumError,
    NoRoundError,
    NotMemberError,
    Overview,
    ProjectView,
    PromptView,
    RoundView,
    SaveOutcome,
    StaleExperimentError,
)
from forum.checkins.overview import build_overview
from forum.checkins.projects import project_view, remove_experiment, save_project
from forum.checkins.rounds import (
    PURPOSE_DIGEST_UPDATE,
    PURPOSE_PROMPT,
    ROUND_ID,
    current_or_next_round,
    digest_card_key,
    open_round_now,
    policy_of,
    sync_rounds,
)
from forum.delivery.intents import enqueue_card_update, enqueue_intent
from forum.delivery.outbox import PersonTarget, UnknownTargetError, enqueue_message
from forum.people.permissions import NotCoordinatorError
from forum.people.roster import Actor
from storage import roster_repository as roster_repo
from storage.checkins import repository as repo
from storage.checkins.models import CheckinReplyRow
from storage.types import utcnow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")
BUSY_ATTEMPTS = 4
BUSY_PAUSE_SECONDS = 0.2


def is_busy(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "database is busy" in text


class CheckinService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self.clock = clock
        """What "now" is: answers after a round's close are late (tests move it)."""

    # --- permissions ----------------------------------------------------

    @staticmethod
    def is_coordinator_of(actor: Actor, forum_id: int) -> bool:
        return actor.is_coordinator and actor.forum is not None and actor.forum.id == forum_id

    def require_coordinator(self, actor: Actor, forum_id: int) -> None:
        if not self.is_coordinator_of(actor, forum_id):
            logger.info("person %s refused a coordinator check-in action", actor.person.id)
            raise NotCoordinatorError("coordinator role required")

    # --- private delivery -------------------------------------------------

    async def ask_privately(self, actor: Actor, forum_id: int, activity_id: str) -> bool:
        """Asked in the channel: the prompt goes to the person's 1:1 (False when no round is ahead).

        Raises ``NotMemberError`` for someone outside the forum's roster: they have no check-in
        to give, and an outsider must not be able to make the bot queue messages.
        """
        member = actor.participant
        if member is None or member.forum_id != forum_id or not member.active:
            raise NotMemberError(actor.person.id)
        now = self.clock()
        async with self._sessions() as session, session.begin():
            try:
                target = await current_or_next_round(session, forum_id, now)
            except NoRoundError:
                return False
            await enqueue_intent(
                session,
                key=f"checkin:ask:{activity_id}:person:{actor.person.id}",
                purpose=PURPOSE_PROMPT,
                target=PersonTarget(actor.person.id),
                data={ROUND_ID: target.id},
                forum_id=forum_id,
                expires_at=target.closes_at,
                now=now,
            )
            return True

    async def deliver_privately(
        self, *, key: str, purpose: str, forum_id: int | None, person_id: int, activity: dict[str, Any]
    ) -> None:
        """A ready card for the person's 1:1 (asked for in the channel, meant for their eyes)."""
        async with self._sessions() as session, session.begin():
            await enqueue_message(
                session,
                key=key,
                purpose=purpose,
                forum_id=forum_id,
                target=PersonTarget(person_id),
                activity=activity,
                now=self.clock(),
            )

    # --- rounds ---------------------------------------------------------

    async def resync(self, forum_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await sync_rounds(session, forum_id, self.clock())

    async def open_now(self, actor: Actor, forum_id: int) -> tuple[RoundView, bool]:
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session, session.begin():
            return await open_round_now(session, forum_id, self.clock())

    # --- answering ------------------------------------------------------

    async def prompt(self, actor: Actor, forum_id: int, round_id: int | None = None) -> PromptView:
        async with self._sessions() as session:
            return await prompt_view(session, forum_id, actor.person.id, round_id=round_id, now=self.clock())

    async def save(self, actor: Actor, forum_id: int, values: CheckinInput) -> SaveOutcome:
        """Validate and store; raises ``CheckinInvalidError`` (nothing saved) and the other refusals.

        The reads come first, outside the write transaction (``plan_save``), so the write lock is
        held for the record, its intents and the claim only; a busy database runs both again.
        """
        draft = validate(values)
        now = self.clock()

        async def attempt(session: AsyncSession) -> SaveOutcome:
            plan = await plan_save(session, forum_id, actor.person.id, draft, now=now)
            await session.commit()  # the read ends here; the rows stay loaded (no expiry on commit)
            async with session.begin():
                outcome = await save_checkin(session, plan, draft, now=now)
                told = 0
                if outcome.newly_shared:
                    told = await self._tell_friends(session, forum_id, outcome.checkin, now)
                if outcome.changed and (outcome.checkin.shared or not outcome.newly_shared):
                    await self._update_digest(session, outcome.round, now)
                if outcome.claimed_museum_id is not None and outcome.participant_id is not None:
                    await self._claim_museum(session, forum_id, outcome.participant_id, outcome.claimed_museum_id, now)
                return replace(outcome, friends_told=told)

        async def in_session() -> SaveOutcome:
            async with self._sessions() as session:
                return await attempt(session)

        return await self._while_busy(in_session)

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """One write transaction, tried again while the database is busy."""

        async def in_transaction() -> T:
            async with self._sessions() as session, session.begin():
                return await work(session)

        return await self._while_busy(in_transaction)

    @staticmethod
    async def _while_busy(run: Callable[[], Awaitable[T]]) -> T:
        """Run ``run`` again while the database is busy (SQLite's lock under load): a busy
        database is waited for, never shown to the person as an error."""
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                return await run()
            except OperationalError as exc:
                if attempt == BUSY_ATTEMPTS or not is_busy(exc):
                    raise
                logger.info("database busy, check-in write tried again (attempt %s)", attempt)
                await asyncio.sleep(BUSY_PAUSE_SECONDS * attempt)
        raise AssertionError("unreachable")

    async def _tell_friends(self, session: AsyncSession, forum_id: int, checkin: CheckinView, now: datetime) -> int:
        row = await repo.checkin_by_id(session, checkin.id)
        if row is None or row.museum_id is None:
            return 0
        friend = await repo.friend_of(session, row.museum_id)
        if friend is None:
            return 0
        told = 0
        for member in await roster_repo.participants_of(session, forum_id, active_only=True):
            if member.museum_id != friend:
                continue
            await enqueue_intent(
                session,
                key=f"checkin:{row.id}:friend:person:{member.person_id}",
                purpose=PURPOSE_FRIEND,
                target=PersonTarget(member.person_id),
                data={CHECKIN_ID: row.id},
                forum_id=forum_id,
                respect_quiet_hours=True,
                now=now,
            )
            told += 1
        return told

    async def _update_digest(self, session: AsyncSession, round_view: RoundView, now: datetime) -> None:
        """A late or edited answer updates the digest card in place until the meeting starts."""
        if round_view.meeting_id is None:
            return
        try:
            await enqueue_card_update(
                session, card_key=digest_card_key(round_view.meeting_id), purpose=PURPOSE_DIGEST_UPDATE, now=now
            )
        except UnknownTargetError:
            return  # no digest posted yet: it will be built with this answer

    async def _claim_museum(
        self, session: AsyncSession, forum_id: int, participant_id: int, museum_id: int, now: datetime
    ) -> None:
        """A museum picked anew by someone without one: each coordinator is asked to confirm it."""
        for coordinator in await roster_repo.participants_of(session, forum_id, active_only=True):
            if coordinator.role != "coordinator" or coordinator.id == participant_id:
                continue
            await enqueue_intent(
                session,
                key=f"checkin:claim:{participant_id}:museum:{museum_id}:person:{coordinator.person_id}",
                purpose=PURPOSE_MEMBER_CLAIM,
                target=PersonTarget(coordinator.person_id),
                data={"participant_id": participant_id, "museum_id": museum_id},
                forum_id=forum_id,
                now=now,
            )

    async def confirm_member(self, actor: Actor, forum_id: int, participant_id: int, museum_id: int) -> tuple[str, str]:
        """A coordinator confirms a museum someone picked; returns (person, museum)."""
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session, session.begin():
            member = await repo.participant_by_id(session, participant_id)
            museum = await repo.museum_by_id(session, museum_id)
            if member is None or museum is None or member.forum_id != forum_id or museum.forum_id != forum_id:
                raise StaleExperimentError(participant_id)
            member.museum_id = museum.id
            prefs = await person_prefs(session, member.id)
            prefs.pending_museum_id = None
            await session.flush()
            return member.person.name, museum.name

    async def away(self, actor: Actor, forum_id: int, until: datetime) -> None:
        async def work(session: AsyncSession) -> None:
            member = await member_of(session, forum_id, actor.person.id)
            (await person_prefs(session, member.id)).away_until = until

        await self._write(work)

    async def mute(self, actor: Actor, forum_id: int, muted: bool) -> None:
        async def work(session: AsyncSession) -> None:
            member = await member_of(session, forum_id, actor.person.id)
            (await person_prefs(session, member.id)).muted = muted

        await self._write(work)

    # --- reading --------------------------------------------------------

    async def rules(self, actor: Actor, forum_id: int) -> RoundPolicy:
        """The forum's round rules as the rounds are planned with them (defaults where unset)."""
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session:
            return policy_of(await repo.settings_of(session, forum_id))

    async def overview(self, actor: Actor, forum_id: int) -> Overview:
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session:
            return await build_overview(session, forum_id, self.clock())

    async def history(self, actor: Actor, forum_id: int, museum_name: str) -> tuple[str, list[CheckinView], bool]:
        """A museum's check-ins, newest first: shared ones for everyone, all for its people and coordinators."""
        async with self._sessions() as session:
            museum = await pairs_module.museum_named(session, forum_id, museum_name)
            member = await roster_repo.participant(session, forum_id, actor.person.id)
            everything = self.is_coordinator_of(actor, forum_id) or (
                member is not None and member.active and member.museum_id == museum.id
            )
            rows = await repo.checkins_of_museum(session, museum.id, shared_only=not everything)
            return museum.name, [await checkin_view(session, row, with_replies=True) for row in rows], everything

    async def museum_digest(self, actor: Actor, forum_id: int, meeting_id: int, museum_id: int) -> MuseumDigest | None:
        async with self._sessions() as session:
            await member_of(session, forum_id, actor.person.id)
            return await museum_digest(session, meeting_id, museum_id)

    async def round_of(self, round_id: int) -> RoundView | None:
        async with self._sessions() as session:
            row = await repo.round_by_id(session, round_id)
            return await numbered_round(session, row) if row is not None else None

    # --- pairs ----------------------------------------------------------

    async def pair(self, actor: Actor, forum_id: int, first: str, second: str) -> tuple[str, str]:
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session, session.begin():
            return await pairs_module.pair(session, forum_id, first, second)

    async def rotate(self, actor: Actor, forum_id: int) -> list[tuple[str, str]]:
        self.require_coordinator(actor, forum_id)
        async with self._sessions() as session, session.begin():
            return await pairs_module.rotate(session, forum_id)

    async def pairs(self, forum_id: int) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            return await pairs_module.current_pairs(session, forum_id)

    async def reply(self, actor: Actor, forum_id: int, checkin_id: int, text: str) -> CheckinView:
        """A critical friend's reply: kept with the check-in, sent 1:1 to the museum's people."""
        if not text.strip():
            raise CheckinInvalidError({"reply": "checkin.error.required"})
        if len(text) > MAX_TEXT:
            raise CheckinInvalidError({"reply": "checkin.error.too_long"})
        now = self.clock()
        async with self._sessions() as session, session.begin():
            member = await member_of(session, forum_id, actor.person.id)
            row = await repo.checkin_by_id(session, checkin_id)
            if row is None or not row.shared or row.museum_id is None:
                raise StaleExperimentError(checkin_id)
            friend = await repo.friend_of(session, row.museum_id)
            if not self.is_coordinator_of(actor, forum_id) and (member.museum_id is None or member.museum_id != friend):
                raise NotCoordinatorError("only the critical friend museum replies")
            reply = CheckinReplyRow(
                checkin_id=row.id,
                participant_id=member.id,
                museum_id=member.museum_id,
                text=text.strip(),
                created_at=now,
            )
            session.add(reply)
            await session.flush()
            for person in await roster_repo.participants_of(session, forum_id, active_only=True):
                if person.museum_id == row.museum_id:
                    await enqueue_intent(
                        session,
                        key=f"checkin:reply:{reply.id}:person:{person.person_id}",
                        purpose=PURPOSE_FRIEND_REPLY,
                        target=PersonTarget(person.person_id),
                        data={CHECKIN_ID: row.id, REPLY_ID: reply.id},
                        forum_id=forum_id,
                        respect_quiet_hours=True,
                        now=now,
                    )
            return await checkin_view(session, row, with_replies=True)

    # --- projects -------------------------------------------------------

    async def project(self, actor: Actor, forum_id: int, museum_name: str | None) -> ProjectView:
        async with self._sessions() as session:
            member = await roster_repo.participant(session, forum_id, actor.person.id)
            if museum_name:
                museum_id = (await pairs_module.museum_named(session, forum_id, museum_name)).id
            elif member is not None and member.museum_id is not None:
                museum_id = member.museum_id
            else:
                raise NoMuseumError(actor.person.id)
            editable = self.is_coordinator_of(actor, forum_id) or (member is not None and member.museum_id == museum_id)
            return await project_view(session, museum_id, editable=editable)

    async def project_by_id(self, actor: Actor, forum_id: int, museum_id: int) -> ProjectView:
        async with self._sessions() as session:
            museum = await repo.museum_by_id(session, museum_id)
            if museum is None or museum.forum_id != forum_id:
                raise StaleExperimentError(museum_id)
            member = await roster_repo.participant(session, forum_id, actor.person.id)
            editable = self.is_coordinator_of(actor, forum_id) or (member is not None and member.museum_id == museum_id)
            return await project_view(session, museum_id, editable=editable)

    async def save_project(
        self, actor: Actor, forum_id: int, museum_id: int, *, goal: str, audience: str, impact: str, new_experiment: str
    ) -> ProjectView:
        async with self._sessions() as session, session.begin():
            museum = await repo.museum_by_id(session, museum_id)
            if museum is None or museum.forum_id != forum_id:
                raise StaleExperimentError(museum_id)
            member = await roster_repo.participant(session, forum_id, actor.person.id)
            await save_project(
                session,
                museum_id,
                member,
                is_coordinator=self.is_coordinator_of(actor, forum_id),
                goal=goal,
                audience=audience,
                impact=impact,
                new_experiment=new_experiment,
            )
            return await project_view(session, museum_id, editable=True)

    async def remove_experiment(self, actor: Actor, forum_id: int, experiment_id: int) -> ProjectView:
        async with self._sessions() as session, session.begin():
            member = await roster_repo.participant(session, forum_id, actor.person.id)
            museum_id = await remove_experiment(
                session, experiment_id, member, is_coordinator=self.is_coordinator_of(actor, forum_id)
            )
            return await project_view(session, museum_id, editable=True)
