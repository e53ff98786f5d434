"""Who is coming: one answer per (meeting, participant), counts, and the names list.

Why one row per person that updates: people change their mind and click
twice, and Teams may deliver the same invoke twice; the count must still be
one per person. Why names are restricted: the host museum needs them for the
room and catering, coordinators run the forum; everyone else sees counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from forum.meetings.model import Meeting, MeetingCancelledError, MeetingOverError
from forum.people.views import participant_view
from forum.types import ParticipantView
from storage import meeting_repository as meetings_repo
from storage import roster_repository as roster_repo

logger = logging.getLogger(__name__)


class RsvpAnswer(StrEnum):
    ON_SITE = "on_site"
    ONLINE = "online"
    CANNOT = "cannot"


class NotParticipantError(PermissionError):
    """The person is not an active member of the meeting's forum."""


class NamesNotAllowedError(PermissionError):
    """Only coordinators and the host museum's people may see who answered what."""


@dataclass(frozen=True)
class RsvpCounts:
    on_site: int = 0
    online: int = 0
    cannot: int = 0

    @property
    def coming(self) -> int:
        return self.on_site + self.online


@dataclass(frozen=True)
class RsvpOutcome:
    meeting: Meeting
    answer: RsvpAnswer
    changed: bool
    """False for a repeated click with the same answer: nothing to update."""
    counts: RsvpCounts
    version: str | None
    """Distinguishes this change from every other answer to the meeting; None when nothing changed."""


@dataclass(frozen=True)
class RsvpNames:
    meeting: Meeting
    on_site: tuple[str, ...]
    online: tuple[str, ...]
    cannot: tuple[str, ...]
    unanswered: tuple[str, ...]


def parse_answer(value: object) -> RsvpAnswer | None:
    try:
        return RsvpAnswer(str(value))
    except ValueError:
        return None


async def counts_for(session: AsyncSession, meeting_id: int) -> RsvpCounts:
    raw = await meetings_repo.rsvp_counts(session, meeting_id)
    return RsvpCounts(
        on_site=raw.get(RsvpAnswer.ON_SITE.value, 0),
        online=raw.get(RsvpAnswer.ONLINE.value, 0),
        cannot=raw.get(RsvpAnswer.CANNOT.value, 0),
    )


async def participant_in(session: AsyncSession, forum_id: int, person_id: int) -> ParticipantView | None:
    row = await roster_repo.participant(session, forum_id, person_id)
    return participant_view(row) if row is not None and row.active else None


async def answer_of(session: AsyncSession, meeting_id: int, person_id: int, forum_id: int) -> RsvpAnswer | None:
    member = await roster_repo.participant(session, forum_id, person_id)
    if member is None:
        return None
    row = await meetings_repo.rsvp_of(session, meeting_id, member.id)
    return parse_answer(row.answer) if row is not None else None


def check_open(meeting: Meeting, now: datetime) -> None:
    """Raise unless the meeting still takes answers (not cancelled, not over)."""
    if meeting.is_cancelled:
        raise MeetingCancelledError(meeting.id)
    if meeting.ends_at <= now:
        raise MeetingOverError(meeting.id)


async def store_answer(
    session: AsyncSession, meeting_id: int, participant_id: int, answer: RsvpAnswer, *, now: datetime
) -> str | None:
    """Store ``answer`` as the participant's one answer for the meeting, in one statement.

    Returns the change's version (distinct for every change of any answer to
    the meeting), or None when the answer already was ``answer``. Why no
    lock on the meeting: the channel card is rendered when it is sent, from
    the counts as they are then, so answers need not be counted in order.
    """
    stored = await meetings_repo.upsert_rsvp(session, meeting_id, participant_id, answer.value, now)
    if stored is None:
        return None
    row_id, answered_at = stored
    logger.info("rsvp %s for meeting %s by participant %s", answer, meeting_id, participant_id)
    return f"{row_id}-{answer.value}-{int(answered_at.timestamp() * 1_000_000)}"


def may_see_names(meeting: Meeting, participant: ParticipantView | None, is_coordinator: bool) -> bool:
    """Coordinators, and active people of the host museum."""
    if is_coordinator:
        return True
    return (
        participant is not None
        and participant.active
        and participant.museum is not None
        and meeting.host_museum is not None
        and participant.museum.casefold() == meeting.host_museum.casefold()
    )


async def names_for(session: AsyncSession, meeting: Meeting, *, person_id: int, is_coordinator: bool) -> RsvpNames:
    """Who answered what; raises ``NamesNotAllowedError`` for anyone else."""
    asker = await participant_in(session, meeting.forum_id, person_id)
    if not may_see_names(meeting, asker, is_coordinator):
        raise NamesNotAllowedError(person_id)
    by_answer: dict[RsvpAnswer, list[str]] = {answer: [] for answer in RsvpAnswer}
    for rsvp, participant in await meetings_repo.rsvps_with_people(session, meeting.id):
        answer = parse_answer(rsvp.answer)
        if answer is not None:
            by_answer[answer].append(_label(participant_view(participant)))
    meeting_row = await meetings_repo.meeting_by_id(session, meeting.id)
    unanswered = (
        [_label(participant_view(p)) for p in await meetings_repo.participants_without_answer(session, meeting_row)]
        if meeting_row is not None
        else []
    )
    return RsvpNames(
        meeting=meeting,
        on_site=tuple(sorted(by_answer[RsvpAnswer.ON_SITE], key=str.casefold)),
        online=tuple(sorted(by_answer[RsvpAnswer.ONLINE], key=str.casefold)),
        cannot=tuple(sorted(by_answer[RsvpAnswer.CANNOT], key=str.casefold)),
        unanswered=tuple(sorted(unanswered, key=str.casefold)),
    )


def _label(participant: ParticipantView) -> str:
    name = participant.person.name or participant.person.email or participant.person.teams_user_id
    return f"{name} ({participant.museum})" if participant.museum else name
