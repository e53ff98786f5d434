"""The forum's meetings: what a meeting is, what makes one valid, and saving it.

Why validation returns a ``field -> message key`` map instead of raising at
the first problem: the coordinator's form shows every error next to its field
at once, and the programme importer reports every bad line in one go. When
anything is invalid nothing is written.

Why every edit bumps ``revision``: the posted announcement card, the ``.ics``
file (its SEQUENCE) and the reminders all say which version they show, so a
calendar client replaces the old event and a stale card can be told apart.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from forum.i18n import N_
from storage import meeting_repository as repo
from storage.models import MeetingRow

logger = logging.getLogger(__name__)


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MeetingField(StrEnum):
    """The fields errors attach to; the form card uses the same names as input ids."""

    NUMBER = "number"
    THEME = "theme"
    DESCRIPTION = "description"
    DATE = "date"
    START = "start"
    END_DATE = "end_date"
    END = "end"
    HOST = "host"
    ADDRESS = "address"
    JOIN_URL = "join_url"
    RSVP_DATE = "rsvp_date"
    RSVP_TIME = "rsvp_time"


ERROR_THEME_MISSING = N_("meeting.error.theme_missing")
ERROR_END_BEFORE_START = N_("meeting.error.end_before_start")
ERROR_UNKNOWN_MUSEUM = N_("meeting.error.unknown_museum")
ERROR_BAD_URL = N_("meeting.error.bad_url")
ERROR_IN_PAST = N_("meeting.error.in_past")
ERROR_DEADLINE_AFTER_START = N_("meeting.error.deadline_after_start")
ERROR_NUMBER_INVALID = N_("meeting.error.number_invalid")
MAX_MEETING_NUMBER = 999_999
"""Meetings are numbered 1, 2, 3…; the calendar route and the commands read at most six digits."""
ERROR_NUMBER_TAKEN = N_("meeting.error.number_taken")
ERROR_DATE_MISSING = N_("meeting.error.date_missing")
ERROR_DATE_INVALID = N_("meeting.error.date_invalid")
ERROR_TIME_MISSING = N_("meeting.error.time_missing")
ERROR_TIME_INVALID = N_("meeting.error.time_invalid")
ERROR_TOO_LONG = N_("meeting.error.too_long")

MAX_THEME_LENGTH = 500
MAX_ADDRESS_LENGTH = 500
MAX_URL_LENGTH = 2000

FieldErrors = Mapping[str, str]
"""Field name (``MeetingField``) → message key."""


@dataclass(frozen=True)
class Meeting:
    """One meeting as the rest of the bot sees it; times are aware (UTC)."""

    id: int
    forum_id: int
    number: int
    theme: str
    description: str
    starts_at: datetime
    ends_at: datetime
    host_museum_id: int | None
    host_museum: str | None
    venue_address: str
    join_url: str | None
    rsvp_deadline: datetime | None
    status: MeetingStatus
    revision: int
    announced_at: datetime | None
    announcement_key: str | None
    calendar_token: str = ""

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def is_announced(self) -> bool:
        return self.announcement_key is not None

    @property
    def announced_revision(self) -> int | None:
        """The revision the channel card was first posted with (see ``announcement_key_for``)."""
        if self.announcement_key is None:
            return None
        _, _, tail = self.announcement_key.rpartition(":r")
        return int(tail) if tail.isdigit() else None

    @property
    def edited_since_announced(self) -> bool:
        posted = self.announced_revision
        return posted is not None and self.revision > posted


@dataclass(frozen=True)
class MeetingDraft:
    """What a coordinator (or the programme file) wants a meeting to be."""

    number: int
    theme: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    host_museum: str | None = None
    venue_address: str = ""
    join_url: str | None = None
    rsvp_deadline: datetime | None = None


class MeetingNotFoundError(LookupError):
    """No meeting with that number (or id) in this forum."""


class MeetingCancelledError(Exception):
    """The meeting is cancelled: it can no longer be edited, posted or answered."""


class MeetingOverError(Exception):
    """The meeting has started (for posting) or ended (for answers): too late."""


class MeetingInvalidError(ValueError):
    """The draft breaks a rule; ``errors`` says which field and why."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(", ".join(f"{field}: {key}" for field, key in errors.items()))
        self.errors: dict[str, str] = dict(errors)


def announcement_key_for(meeting_id: int, revision: int) -> str:
    """The outbox key of a meeting's channel card.

    A meeting is posted once; the revision it was posted with is part of the
    key so the card can say "updated" exactly when the meeting changed later.
    """
    return f"meeting:{meeting_id}:announcement:r{revision}"


def is_web_url(value: str) -> bool:
    """http(s) with a host and no spaces: what Teams can open as a join link."""
    if not value or any(ch.isspace() for ch in value) or len(value) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def validate_draft(
    draft: MeetingDraft,
    *,
    museums: Collection[str],
    now: datetime | None,
) -> dict[str, str]:
    """Every rule the draft breaks, as field → message key; empty when valid.

    ``now`` None skips the "in the past" rule: the programme importer may
    record meetings that already happened, and an edit that keeps the date of
    a past meeting is allowed (see ``update_meeting``).
    """
    errors: dict[str, str] = {}
    if not 1 <= draft.number <= MAX_MEETING_NUMBER:
        errors[MeetingField.NUMBER] = ERROR_NUMBER_INVALID
    theme = draft.theme.strip()
    if not theme:
        errors[MeetingField.THEME] = ERROR_THEME_MISSING
    elif len(theme) > MAX_THEME_LENGTH:
        errors[MeetingField.THEME] = ERROR_TOO_LONG
    if len(draft.venue_address) > MAX_ADDRESS_LENGTH:
        errors[MeetingField.ADDRESS] = ERROR_TOO_LONG
    if draft.ends_at <= draft.starts_at:
        errors[MeetingField.END] = ERROR_END_BEFORE_START
    if now is not None and draft.starts_at < now:
        errors[MeetingField.DATE] = ERROR_IN_PAST
    if draft.host_museum is not None and draft.host_museum.strip().casefold() not in {
        name.strip().casefold() for name in museums
    }:
        errors[MeetingField.HOST] = ERROR_UNKNOWN_MUSEUM
    if draft.join_url is not None and not is_web_url(draft.join_url):
        errors[MeetingField.JOIN_URL] = ERROR_BAD_URL
    if draft.rsvp_deadline is not None and draft.rsvp_deadline > draft.starts_at:
        errors[MeetingField.RSVP_DATE] = ERROR_DEADLINE_AFTER_START
    return errors


def meeting_view(row: MeetingRow) -> Meeting:
    return _meeting(row, row.host_museum.name if row.host_museum is not None else None)


def _meeting(row: MeetingRow | Row[Any], host_museum: str | None) -> Meeting:
    """The view of a meeting row, loaded by the ORM or read as a plain row with the host's name."""
    return Meeting(
        id=row.id,
        forum_id=row.forum_id,
        number=row.number,
        theme=row.theme,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        host_museum_id=row.host_museum_id,
        host_museum=host_museum,
        venue_address=row.venue_address,
        join_url=row.join_url,
        rsvp_deadline=row.rsvp_deadline,
        status=MeetingStatus(row.status),
        revision=row.revision,
        announced_at=row.announced_at,
        announcement_key=row.announcement_key,
        calendar_token=row.calendar_token,
    )


def draft_of(meeting: Meeting) -> MeetingDraft:
    """The meeting as a draft, the starting point of an edit."""
    return MeetingDraft(
        number=meeting.number,
        theme=meeting.theme,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        description=meeting.description,
        host_museum=meeting.host_museum,
        venue_address=meeting.venue_address,
        join_url=meeting.join_url,
        rsvp_deadline=meeting.rsvp_deadline,
    )


def _normalized(draft: MeetingDraft) -> MeetingDraft:
    return replace(
        draft,
        theme=draft.theme.strip(),
        description=draft.description.strip(),
        venue_address=draft.venue_address.strip(),
        host_museum=(draft.host_museum or "").strip() or None,
        join_url=(draft.join_url or "").strip() or None,
    )


async def museum_names(session: AsyncSession, forum_id: int) -> list[str]:
    return [row.name for row in await repo.museums_of(session, forum_id)]


async def get_meeting(session: AsyncSession, forum_id: int, number: int) -> Meeting:
    row = await repo.meeting_by_number(session, forum_id, number)
    if row is None:
        raise MeetingNotFoundError(number)
    return meeting_view(row)


async def get_meeting_by_calendar_token(session: AsyncSession, token: str) -> Meeting:
    row = await repo.meeting_by_calendar_token(session, token)
    if row is None:
        raise MeetingNotFoundError(token)
    return meeting_view(row)


async def get_meeting_by_id(session: AsyncSession, meeting_id: int, *, for_update: bool = False) -> Meeting:
    if not for_update:  # a plain row, not an ORM load: every RSVP reads its meeting
        record = await repo.meeting_record(session, meeting_id)
        if record is None:
            raise MeetingNotFoundError(meeting_id)
        return _meeting(record, record.host_museum_name)
    row = await repo.meeting_by_id(session, meeting_id, for_update=for_update)
    if row is None:
        raise MeetingNotFoundError(meeting_id)
    return meeting_view(row)


async def list_meetings(session: AsyncSession, forum_id: int) -> list[Meeting]:
    return [meeting_view(row) for row in await repo.meetings_of(session, forum_id)]


async def next_free_number(session: AsyncSession, forum_id: int) -> int:
    numbers = [row.number for row in await repo.meetings_of(session, forum_id)]
    return max(numbers, default=0) + 1


async def create_meeting(session: AsyncSession, forum_id: int, draft: MeetingDraft, *, now: datetime | None) -> Meeting:
    """Add a meeting; raises ``MeetingInvalidError`` and writes nothing when invalid."""
    draft = _normalized(draft)
    errors = validate_draft(draft, museums=await museum_names(session, forum_id), now=now)
    if MeetingField.NUMBER not in errors and await repo.meeting_by_number(session, forum_id, draft.number):
        errors[MeetingField.NUMBER] = ERROR_NUMBER_TAKEN
    if errors:
        raise MeetingInvalidError(errors)
    row = MeetingRow(forum_id=forum_id, number=draft.number, revision=1, status=MeetingStatus.SCHEDULED.value)
    await _apply(session, row, draft)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    logger.info("meeting %s (number %s) created in forum %s", row.id, row.number, forum_id)
    return meeting_view(row)


async def update_meeting(
    session: AsyncSession, meeting_id: int, draft: MeetingDraft, *, now: datetime | None
) -> tuple[Meeting, bool]:
    """Change a meeting to ``draft`` (its number stays); returns it and whether anything changed.

    The "in the past" rule applies only when the start moves, so a
    coordinator can still fix a typo in a meeting that already took place.
    """
    row = await repo.meeting_by_id(session, meeting_id, for_update=True)
    if row is None:
        raise MeetingNotFoundError(meeting_id)
    if row.status == MeetingStatus.CANCELLED.value:
        raise MeetingCancelledError(meeting_id)
    draft = _normalized(replace(draft, number=row.number))
    moved = draft.starts_at != row.starts_at
    errors = validate_draft(draft, museums=await museum_names(session, row.forum_id), now=now if moved else None)
    if errors:
        raise MeetingInvalidError(errors)
    if draft == draft_of(meeting_view(row)):
        return meeting_view(row), False
    await _apply(session, row, draft)
    row.revision += 1
    await session.flush()
    await session.refresh(row)
    logger.info("meeting %s edited, now revision %s", row.id, row.revision)
    return meeting_view(row), True


async def cancel_meeting(session: AsyncSession, meeting_id: int) -> tuple[Meeting, bool]:
    """Mark the meeting cancelled; returns it and False when it already was."""
    row = await repo.meeting_by_id(session, meeting_id, for_update=True)
    if row is None:
        raise MeetingNotFoundError(meeting_id)
    if row.status == MeetingStatus.CANCELLED.value:
        return meeting_view(row), False
    row.status = MeetingStatus.CANCELLED.value
    row.revision += 1
    await session.flush()
    logger.info("meeting %s cancelled", row.id)
    return meeting_view(row), True


async def mark_announced(session: AsyncSession, meeting_id: int, key: str, at: datetime) -> Meeting:
    row = await repo.meeting_by_id(session, meeting_id, for_update=True)
    if row is None:
        raise MeetingNotFoundError(meeting_id)
    row.announcement_key = key
    row.announced_at = at
    await session.flush()
    return meeting_view(row)


async def _apply(session: AsyncSession, row: MeetingRow, draft: MeetingDraft) -> None:
    museum = await repo.museum_by_name(session, row.forum_id, draft.host_museum) if draft.host_museum else None
    row.theme = draft.theme
    row.description = draft.description
    row.starts_at = draft.starts_at
    row.ends_at = draft.ends_at
    row.host_museum = museum
    row.venue_address = draft.venue_address
    row.join_url = draft.join_url
    row.rsvp_deadline = draft.rsvp_deadline
