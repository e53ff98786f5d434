"""A meeting as typed into the form: strings in, a draft or field errors out.

Why keep the strings: when something is wrong the form comes back with
exactly what the coordinator typed, not with a value the bot guessed.
Dates and times are wall-clock times in the forum's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from forum.meetings.model import (
    ERROR_DATE_INVALID,
    ERROR_DATE_MISSING,
    ERROR_NUMBER_INVALID,
    ERROR_TIME_INVALID,
    ERROR_TIME_MISSING,
    MAX_MEETING_NUMBER,
    Meeting,
    MeetingDraft,
    MeetingField,
)
from forum.untrusted import parse_int

DEFAULT_RSVP_TIME = time(16, 0)


@dataclass(frozen=True)
class MeetingInput:
    """The form's values exactly as typed; ``meeting_id`` is set when editing."""

    meeting_id: int | None = None
    number: str = ""
    theme: str = ""
    description: str = ""
    date: str = ""
    start: str = ""
    end_date: str = ""
    end: str = ""
    host: str = ""
    address: str = ""
    join_url: str = ""
    rsvp_date: str = ""
    rsvp_time: str = ""


def _parse_date(value: str) -> date:
    return date.fromisoformat(value.strip())


def _parse_time(value: str) -> time:
    """``HH:MM`` (what Input.Time sends), also ``HH.MM`` as Finns write it."""
    cleaned = value.strip().replace(".", ":")
    parsed = time.fromisoformat(cleaned)
    return parsed.replace(second=0, microsecond=0)


def input_to_draft(values: MeetingInput, time_zone: str) -> tuple[MeetingDraft | None, dict[str, str]]:
    """Turn the typed strings into a draft, or say which fields cannot be read."""
    zone = ZoneInfo(time_zone)
    errors: dict[str, str] = {}

    number = parse_int(values.number, minimum=1, maximum=MAX_MEETING_NUMBER) or 0
    if not number:
        errors[MeetingField.NUMBER] = ERROR_NUMBER_INVALID

    day: date | None = None
    if not values.date.strip():
        errors[MeetingField.DATE] = ERROR_DATE_MISSING
    else:
        try:
            day = _parse_date(values.date)
        except ValueError:
            errors[MeetingField.DATE] = ERROR_DATE_INVALID

    start = _required_time(values.start, MeetingField.START, errors)
    end = _required_time(values.end, MeetingField.END, errors)

    end_day = day
    if values.end_date.strip():
        try:
            end_day = _parse_date(values.end_date)
        except ValueError:
            errors[MeetingField.END_DATE] = ERROR_DATE_INVALID

    deadline: datetime | None = None
    if values.rsvp_date.strip():
        try:
            deadline_time = _parse_time(values.rsvp_time) if values.rsvp_time.strip() else DEFAULT_RSVP_TIME
            deadline = datetime.combine(_parse_date(values.rsvp_date), deadline_time, zone)
        except ValueError:
            errors[MeetingField.RSVP_DATE] = ERROR_DATE_INVALID

    if errors or day is None or start is None or end is None or end_day is None:
        return None, errors
    draft = MeetingDraft(
        number=number,
        theme=values.theme,
        description=values.description,
        starts_at=datetime.combine(day, start, zone),
        ends_at=datetime.combine(end_day, end, zone),
        host_museum=values.host.strip() or None,
        venue_address=values.address,
        join_url=values.join_url.strip() or None,
        rsvp_deadline=deadline,
    )
    return draft, {}


def _required_time(value: str, field: MeetingField, errors: dict[str, str]) -> time | None:
    if not value.strip():
        errors[field] = ERROR_TIME_MISSING
        return None
    try:
        return _parse_time(value)
    except ValueError:
        errors[field] = ERROR_TIME_INVALID
        return None


def input_of(meeting: Meeting, time_zone: str) -> MeetingInput:
    """The form prefilled with a saved meeting, in the forum's wall-clock time."""
    zone = ZoneInfo(time_zone)
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    deadline = meeting.rsvp_deadline.astimezone(zone) if meeting.rsvp_deadline else None
    return MeetingInput(
        meeting_id=meeting.id,
        number=str(meeting.number),
        theme=meeting.theme,
        description=meeting.description,
        date=start.date().isoformat(),
        start=start.strftime("%H:%M"),
        end_date=end.date().isoformat() if end.date() != start.date() else "",
        end=end.strftime("%H:%M"),
        host=meeting.host_museum or "",
        address=meeting.venue_address,
        join_url=meeting.join_url or "",
        rsvp_date=deadline.date().isoformat() if deadline else "",
        rsvp_time=deadline.strftime("%H:%M") if deadline else "",
    )
