"""Everything a person can do with meetings, one transaction per action.

Why one service over the small modules: each action touches several of
them (an edit saves the meeting, moves its reminders and updates the posted
card) and must do so all-or-nothing, with the permission check first. The
bot layer calls only this class; it never opens a session itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.intents import request_card_update
from forum.delivery.outbox import PersonTarget, enqueue_message
from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours
from forum.i18n import resolve_locale
from forum.meetings.announcements import post_announcement, update_announcement
from forum.meetings.calendar import meeting_ics
from forum.meetings.hooks import NO_HOOKS, ProgrammeHooks
from forum.meetings.messages import PURPOSE_ANNOUNCEMENT_UPDATE
from forum.meetings.model import (
    Meeting,
    MeetingCancelledError,
    MeetingDraft,
    MeetingNotFoundError,
    cancel_meeting,
    create_meeting,
    get_meeting,
    get_meeting_by_calendar_token,
    get_meeting_by_id,
    list_meetings,
    museum_names,
    next_free_number,
    update_meeting,
)
from forum.meetings.rsvp import (
    NotParticipantError,
    RsvpAnswer,
    RsvpCounts,
    RsvpNames,
    RsvpOutcome,
    answer_of,
    check_open,
    counts_for,
    names_for,
    participant_in,
    store_answer,
)
from forum.meetings.schedule import sync_meeting_jobs
from forum.people.permissions import NotCoordinatorError
from forum.people.roster import Actor
from forum.types import ParticipantView
from storage import roster_repository as roster_repo
from storage.transactions import write_transaction
from storage.types import utcnow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class MeetingStanding:
    """A meeting with its counts and, when asked for one person, their answer."""

    meeting: Meeting
    counts: RsvpCounts
    answer: RsvpAnswer | None = None


class MeetingService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock = utcnow,
        *,
        quiet_default: QuietHours = DEFAULT_QUIET_HOURS,
        hooks: ProgrammeHooks = NO_HOOKS,
    ) -> None:
        self._sessions = sessions
        self._hooks = hooks
        """Other wings' reactions to a programme change (check-in rounds), in the same transaction."""
        self._clock = clock
        self._quiet_default = quiet_default
        """Quiet hours of a forum without its own: reminders are planned around them."""

    # --- reading ------------------------------------------------------

    async def meetings(self, forum_id: int) -> list[Meeting]:
        async with self._sessions() as session:
            return await list_meetings(session, forum_id)

    async def by_number(self, forum_id: int, number: int) -> Meeting:
        async with self._sessions() as session:
            return await get_meeting(session, forum_id, number)

    async def by_id(self, meeting_id: int) -> Meeting:
        async with self._sessions() as session:
            return await get_meeting_by_id(session, meeting_id)

    async def museums(self, forum_id: int) -> list[str]:
        async with self._sessions() as session:
            return await museum_names(session, forum_id)

    async def next_number(self, forum_id: int) -> int:
        async with self._sessions() as session:
            return await next_free_number(session, forum_id)

    async def calendar(self, token: str, number: int, locale: str | None) -> bytes:
        """The meeting's .ics in the reader's language (the forum's when not given)."""
        async with self._sessions() as session:
            meeting = await get_meeting_by_calendar_token(session, token)
            forum = await roster_repo.forum_by_id(session, meeting.forum_id)
            if forum is None or meeting.number != number:
                raise MeetingNotFoundError(number)
            chosen = resolve_locale(locale, forum.locale)
            return meeting_ics(meeting, locale=chosen, time_zone=forum.time_zone, stamp=self._clock())

    async def standing(self, meeting_id: int, person_id: int | None = None) -> MeetingStanding:
        async with self._sessions() as session:
            meeting = await get_meeting_by_id(session, meeting_id)
            answer = await answer_of(session, meeting.id, person_id, meeting.forum_id) if person_id else None
            return MeetingStanding(meeting, await counts_for(session, meeting.id), answer)

    # --- coordinators -------------------------------------------------

    def require_coordinator(self, actor: Actor, forum_id: int) -> None:
        """Raise ``NotCoordinatorError`` unless ``actor`` coordinates this forum."""
        if not self._is_coordinator_of(actor, forum_id):
            logger.info("person %s refused a coordinator action in forum %s", actor.person.id, forum_id)
            raise NotCoordinatorError("coordinator role required")

    async def editable(self, actor: Actor, meeting_id: int) -> Meeting:
        """The meeting, for a coordinator's edit form; a cancelled one cannot be edited."""
        meeting = await self.by_id(meeting_id)
        self.require_coordinator(actor, meeting.forum_id)
        if meeting.is_cancelled:
            raise MeetingCancelledError(meeting_id)
        return meeting

    async def deliver_privately(
        self, *, key: str, purpose: str, forum_id: int | None, person_id: int, activity: dict[str, Any]
    ) -> None:
        """Queue a message for the person's 1:1 chat (opened by the outbox if needed).

        Used when a coordinator asks in the channel for something meant for
        their eyes only (a preview, a form, the names list).
        """
        async with self._sessions() as session, session.begin():
            await enqueue_message(
                session,
                key=key,
                purpose=purpose,
                forum_id=forum_id,
                target=PersonTarget(person_id),
                activity=activity,
                now=self._clock(),
            )

    async def create(self, actor: Actor, forum_id: int, draft: MeetingDraft) -> Meeting:
        """Add a meeting and plan its reminders; raises ``MeetingInvalidError``, saving nothing."""
        self.require_coordinator(actor, forum_id)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            meeting = await create_meeting(session, forum_id, draft, now=now)
            await sync_meeting_jobs(session, meeting, now=now, quiet_default=self._quiet_default)
            await self._hooks.programme_changed(session, forum_id, now)
            return meeting

    async def edit(self, actor: Actor, meeting_id: int, draft: MeetingDraft) -> Meeting:
        """Change a meeting; moves its jobs and updates its posted card in place."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            current = await get_meeting_by_id(session, meeting_id)
            self.require_coordinator(actor, current.forum_id)
            meeting, changed = await update_meeting(session, meeting_id, draft, now=now)
            if changed:
                await sync_meeting_jobs(session, meeting, now=now, quiet_default=self._quiet_default)
                await update_announcement(session, meeting)
                await self._hooks.programme_changed(session, meeting.forum_id, now)
            return meeting

    async def cancel(self, actor: Actor, meeting_id: int) -> tuple[Meeting, bool]:
        """Cancel a meeting: its jobs stop and its card says "cancelled"."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            current = await get_meeting_by_id(session, meeting_id)
            self.require_coordinator(actor, current.forum_id)
            meeting, changed = await cancel_meeting(session, meeting_id)
            if changed:
                await sync_meeting_jobs(session, meeting, now=now, quiet_default=self._quiet_default)
                await update_announcement(session, meeting)
                await self._hooks.programme_changed(session, meeting.forum_id, now)
            return meeting, changed

    async def post(self, actor: Actor, meeting_id: int) -> Meeting:
        """Queue the announcement card for the channel (once) and plan the nudge."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            current = await get_meeting_by_id(session, meeting_id)
            self.require_coordinator(actor, current.forum_id)
            meeting = await post_announcement(session, meeting_id, now=now)
            await sync_meeting_jobs(session, meeting, now=now, quiet_default=self._quiet_default)
            return meeting

    # --- everyone -----------------------------------------------------

    async def answer(self, actor: Actor, meeting_id: int, answer: RsvpAnswer) -> RsvpOutcome:
        """Record the person's answer; a change updates the channel card's counts.

        Why two short steps: the checks read outside any write lock; the write
        transaction is one upsert, the card-update intent (the card is rendered
        when it is sent, not here) and the count for the presser's own card,
        which so includes this answer.
        """
        now = self._clock()
        async with self._sessions() as session:
            meeting = await get_meeting_by_id(session, meeting_id)
            check_open(meeting, now)
            member = await self._member_of(session, actor, meeting.forum_id)
        if member is None:
            raise NotParticipantError(actor.person.id)

        async def write(session: AsyncSession) -> tuple[str | None, RsvpCounts]:
            version = await store_answer(session, meeting.id, member.id, answer, now=now)
            if version is not None and meeting.announcement_key is not None:
                await request_card_update(
                    session, card_key=meeting.announcement_key, purpose=PURPOSE_ANNOUNCEMENT_UPDATE
                )
            return version, await counts_for(session, meeting.id)

        version, counts = await write_transaction(self._sessions, write)
        return RsvpOutcome(meeting, answer, version is not None, counts, version)

    @staticmethod
    async def _member_of(session: AsyncSession, actor: Actor, forum_id: int) -> ParticipantView | None:
        """The actor's active membership in the forum: known from the turn, read only from elsewhere."""
        if actor.forum is not None and actor.forum.id == forum_id:
            known = actor.participant
            return known if known is not None and known.active else None
        return await participant_in(session, forum_id, actor.person.id)

    async def names(self, actor: Actor, forum_id: int, number: int) -> RsvpNames:
        async with self._sessions() as session:
            meeting = await get_meeting(session, forum_id, number)
            return await names_for(
                session,
                meeting,
                person_id=actor.person.id,
                is_coordinator=self._is_coordinator_of(actor, meeting.forum_id),
            )

    # --- permissions --------------------------------------------------

    @staticmethod
    def _is_coordinator_of(actor: Actor, forum_id: int) -> bool:
        return actor.is_coordinator and actor.forum is not None and actor.forum.id == forum_id
