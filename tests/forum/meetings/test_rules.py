"""What makes a meeting valid, and reading the form's strings (pure, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from forum.meetings.input import MeetingInput, input_of, input_to_draft
from forum.meetings.model import Meeting, MeetingDraft, MeetingStatus, announcement_key_for, is_web_url, validate_draft

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI)
START = datetime(2027, 2, 10, 10, 0, tzinfo=HELSINKI)
MUSEUMS = ("Tampereen museot", "Ateneum")


def draft(**changes: object) -> MeetingDraft:
    values: dict[str, object] = {
        "number": 5,
        "theme": "Näkökulmia käyttäjälähtöiseen kehittämiseen",
        "starts_at": START,
        "ends_at": START + timedelta(hours=6),
        "host_museum": "Ateneum",
        "join_url": "https://teams.microsoft.com/l/meetup-join/x",
        "rsvp_deadline": START - timedelta(days=7),
    }
    values.update(changes)
    return MeetingDraft(**values)  # type: ignore[arg-type]


def test_a_good_draft_has_no_errors() -> None:
    assert validate_draft(draft(), museums=MUSEUMS, now=NOW) == {}


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"theme": "  "}, "theme", "meeting.error.theme_missing"),
        ({"ends_at": START - timedelta(minutes=1)}, "end", "meeting.error.end_before_start"),
        ({"ends_at": START}, "end", "meeting.error.end_before_start"),
        ({"host_museum": "Louvre"}, "host", "meeting.error.unknown_museum"),
        ({"join_url": "ftp://files.example.org/x"}, "join_url", "meeting.error.bad_url"),
        ({"join_url": "https://"}, "join_url", "meeting.error.bad_url"),
        ({"join_url": "https://exa mple.org"}, "join_url", "meeting.error.bad_url"),
        (
            {"starts_at": NOW - timedelta(days=1), "ends_at": NOW, "rsvp_deadline": None},
            "date",
            "meeting.error.in_past",
        ),
        ({"rsvp_deadline": START + timedelta(minutes=1)}, "rsvp_date", "meeting.error.deadline_after_start"),
        ({"number": 0}, "number", "meeting.error.number_invalid"),
        ({"theme": "x" * 501}, "theme", "meeting.error.too_long"),
    ],
)
def test_each_rule(changes: dict[str, object], field: str, key: str) -> None:
    assert validate_draft(draft(**changes), museums=MUSEUMS, now=NOW) == {field: key}


def test_museum_names_match_without_case_and_spaces_and_no_host_is_fine() -> None:
    assert validate_draft(draft(host_museum=" ateneum "), museums=MUSEUMS, now=NOW) == {}
    assert validate_draft(draft(host_museum=None), museums=(), now=NOW) == {}


def test_past_is_allowed_when_now_is_not_given() -> None:
    old = draft(starts_at=NOW - timedelta(days=400), ends_at=NOW - timedelta(days=399), rsvp_deadline=None)
    assert validate_draft(old, museums=MUSEUMS, now=None) == {}


@pytest.mark.parametrize("url", ["https://teams.microsoft.com/l/meetup-join/19%3a", "http://example.org/path?q=1"])
def test_web_urls(url: str) -> None:
    assert is_web_url(url)


def test_form_strings_become_a_draft_in_the_forum_zone() -> None:
    values = MeetingInput(
        number="5", theme="Teema", date="2027-02-10", start="10.00", end="16:00", rsvp_date="2027-02-03"
    )
    parsed, errors = input_to_draft(values, "Europe/Helsinki")
    assert errors == {} and parsed is not None
    assert parsed.starts_at == START and parsed.ends_at == START + timedelta(hours=6)
    assert parsed.rsvp_deadline == datetime(2027, 2, 3, 16, 0, tzinfo=HELSINKI)
    assert parsed.host_museum is None and parsed.join_url is None


def test_unreadable_form_strings_are_field_errors() -> None:
    values = MeetingInput(number="viisi", theme="T", date="10.2.2027", start="", end="25:00", rsvp_date="huomenna")
    parsed, errors = input_to_draft(values, "Europe/Helsinki")
    assert parsed is None
    assert errors == {
        "number": "meeting.error.number_invalid",
        "date": "meeting.error.date_invalid",
        "start": "meeting.error.time_missing",
        "end": "meeting.error.time_invalid",
        "rsvp_date": "meeting.error.date_invalid",
    }


def test_a_saved_meeting_prefills_the_form_and_reads_back_the_same() -> None:
    meeting = Meeting(
        id=3,
        forum_id=1,
        number=5,
        theme="Teema",
        description="Kuvaus",
        starts_at=START,
        ends_at=START + timedelta(days=1, hours=5),
        host_museum_id=2,
        host_museum="Ateneum",
        venue_address="Kaivokatu 2",
        join_url=None,
        rsvp_deadline=START - timedelta(days=7),
        status=MeetingStatus.SCHEDULED,
        revision=4,
        announced_at=None,
        announcement_key=None,
    )
    values = input_of(meeting, "Europe/Helsinki")
    assert (values.date, values.start, values.end_date, values.end) == ("2027-02-10", "10:00", "2027-02-11", "15:00")
    parsed, errors = input_to_draft(values, "Europe/Helsinki")
    assert errors == {} and parsed is not None
    assert parsed.starts_at == meeting.starts_at and parsed.ends_at == meeting.ends_at
    assert parsed.rsvp_deadline == meeting.rsvp_deadline


def test_announcement_key_remembers_the_posted_revision() -> None:
    key = announcement_key_for(7, 3)
    base = dict(
        id=7, forum_id=1, number=1, theme="T", description="", starts_at=START, ends_at=START + timedelta(hours=1),
        host_museum_id=None, host_museum=None, venue_address="", join_url=None, rsvp_deadline=None,
        status=MeetingStatus.SCHEDULED, announced_at=NOW, announcement_key=key,
    )  # fmt: skip
    assert Meeting(revision=3, **base).announced_revision == 3  # type: ignore[arg-type]
    assert not Meeting(revision=3, **base).edited_since_announced  # type: ignore[arg-type]
    assert Meeting(revision=4, **base).edited_since_announced  # type: ignore[arg-type]
