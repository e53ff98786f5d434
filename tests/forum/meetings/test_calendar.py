"""The .ics file: a stable UID, SEQUENCE = revision, CANCELLED, Helsinki times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from forum.meetings.calendar import calendar_url, meeting_ics
from forum.meetings.model import Meeting, MeetingStatus

START = datetime(2027, 2, 10, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
MEETING = Meeting(
    id=4, forum_id=2, number=5, theme="Näkökulmia käyttäjälähtöiseen kehittämiseen", description="Kenelle?",
    starts_at=START.astimezone(UTC), ends_at=(START + timedelta(hours=6)).astimezone(UTC), host_museum_id=1,
    host_museum="Ateneum", venue_address="Kaivokatu 2, Helsinki", join_url="https://teams.example/join",
    rsvp_deadline=None, status=MeetingStatus.SCHEDULED, revision=3, announced_at=None, announcement_key=None,
    calendar_token="Q2FsZW5kYXJUb2tlbkZvclRlc3Rz",
)  # fmt: skip
STAMP = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def event_of(meeting: Meeting, locale: str = "fi") -> object:
    ics = meeting_ics(meeting, locale=locale, time_zone="Europe/Helsinki", stamp=STAMP)
    calendar = Calendar.from_ical(ics)
    assert calendar.walk("VTIMEZONE"), "the zone travels with the file"
    return calendar.walk("VEVENT")[0]


def test_fields() -> None:
    event = event_of(MEETING)
    assert str(event["UID"]) == "meeting-2-5@foorumibotti"  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 3  # type: ignore[index]
    assert str(event["STATUS"]) == "CONFIRMED"  # type: ignore[index]
    assert event["DTSTART"].dt == START and event["DTSTART"].params["TZID"] == "Europe/Helsinki"  # type: ignore[index]
    assert event["DTEND"].dt == START + timedelta(hours=6)  # type: ignore[index]
    assert str(event["LOCATION"]) == "Ateneum, Kaivokatu 2, Helsinki"  # type: ignore[index]
    assert str(event["URL"]) == "https://teams.example/join"  # type: ignore[index]
    assert str(event["SUMMARY"]) == "Foorumitapaaminen 5: Näkökulmia käyttäjälähtöiseen kehittämiseen"  # type: ignore[index]
    assert "Liity etänä: https://teams.example/join" in str(event["DESCRIPTION"])  # type: ignore[index]


def test_cancelled_keeps_the_uid() -> None:
    event = event_of(replace(MEETING, status=MeetingStatus.CANCELLED, revision=4), locale="sv")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 4  # type: ignore[index]
    assert str(event["UID"]) == "meeting-2-5@foorumibotti"  # type: ignore[index]
    assert str(event["SUMMARY"]).startswith("Forumträff 5")  # type: ignore[index]


def test_url() -> None:
    assert (
        calendar_url("https://bot.example/", MEETING, "sv")
        == "https://bot.example/calendar/Q2FsZW5kYXJUb2tlbkZvclRlc3Rz/meeting-5.ics?lang=sv"
    )
