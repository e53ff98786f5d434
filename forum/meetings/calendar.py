"""A meeting as a standard iCalendar (.ics) file for "Add to calendar".

Why these fields: the UID is fixed per meeting and SEQUENCE is the meeting's
revision, so when a person downloads the file again after an edit their
calendar replaces the event instead of adding a second one; a cancelled
meeting keeps its UID with STATUS:CANCELLED, which calendars show struck out.
Times carry TZID Europe/Helsinki (with its VTIMEZONE) so the event lands at
the right wall-clock time whatever zone the reader's calendar is in.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from forum.i18n import tr
from forum.meetings.model import Meeting

PRODUCT_ID = "-//Museoiden vertaiskehittamisfoorumi//Foorumibotti//FI"
UID_DOMAIN = "foorumibotti"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.forum_id}-{meeting.number}@{UID_DOMAIN}"


def calendar_path(meeting: Meeting) -> str:
    """The stable path the bot serves the file at (see ``bot/calendar_route.py``).

    It carries the meeting's random ``calendar_token``, not guessable ids: the
    file holds the online join link, which only the forum should have.
    """
    return f"/calendar/{meeting.calendar_token}/meeting-{meeting.number}.ics"


def calendar_url(base_url: str, meeting: Meeting, locale: str | None = None) -> str:
    url = base_url.rstrip("/") + calendar_path(meeting)
    return f"{url}?lang={locale}" if locale else url


def meeting_ics(
    meeting: Meeting,
    *,
    locale: str,
    time_zone: str,
    stamp: datetime,
    url: str | None = None,
) -> bytes:
    """The .ics document for one meeting; ``stamp`` is when this version was made."""
    # Imported here: only the calendar link's download needs it, and icalendar (with its
    # time-zone tables) is ~3 MiB of every replica's memory that no turn uses.
    from icalendar import Calendar, Event

    zone = ZoneInfo(time_zone)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", stamp)
    event.add("sequence", meeting.revision)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", tr(locale, "meeting.calendar.summary", number=meeting.number, theme=meeting.theme))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    location = ", ".join(part for part in (meeting.host_museum, meeting.venue_address) if part)
    if location:
        event.add("location", location)
    description = [meeting.description] if meeting.description else []
    if meeting.join_url:
        description.append(tr(locale, "meeting.calendar.join", url=meeting.join_url))
        event.add("url", meeting.join_url)
    elif url:
        event.add("url", url)
    if description:
        event.add("description", "\n\n".join(description))

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def ics_filename(meeting: Meeting) -> str:
    return f"meeting-{meeting.number}.ics"
