"""Every meeting card in fi, sv and en: valid Adaptive Card 1.5, under 40 KB, and as in its golden file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cards.meetings.actions import parse_meeting_form, parse_rsvp
from cards.meetings.activities import MeetingCards
from cards.meetings.announcement import AnnouncementView, announcement_card
from cards.meetings.cancel import cancel_confirm_card
from cards.meetings.form import meeting_form_card
from cards.meetings.preview import form_closed_card, meeting_preview_card, preview_closed_card
from cards.meetings.programme import meetings_list_card
from cards.meetings.reminder import reminder_card, rsvp_nudge_card
from cards.meetings.rsvp_names import rsvp_names_card
from cards.validation import MAX_CARD_BYTES, card_errors
from forum.i18n import SUPPORTED_LOCALES
from forum.meetings.input import MeetingInput, input_of
from forum.meetings.model import Meeting, MeetingStatus
from forum.meetings.rsvp import RsvpAnswer, RsvpCounts, RsvpNames
from tests.support.golden import assert_matches_golden

ZONE = "Europe/Helsinki"
START = datetime(2027, 2, 10, 10, 0, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
URL = "https://foorumibotti.example/calendar/Q2FsZW5kYXJUb2tlbkZvclRlc3Rz/meeting-5.ics"
MEETING = Meeting(
    id=4, forum_id=1, number=5, theme="Näkökulmia käyttäjälähtöiseen kehittämiseen",
    description="Kenelle työtä tehdään? Käyttäjälähtöisen kehittämisen menetelmiä ja kokeilujen kuulumiset.",
    starts_at=START, ends_at=START + timedelta(hours=6), host_museum_id=2, host_museum="Ateneum",
    venue_address="Kaivokatu 2, Helsinki", join_url="https://teams.microsoft.com/l/meetup-join/forum-5",
    rsvp_deadline=START - timedelta(days=7), status=MeetingStatus.SCHEDULED, revision=1,
    announced_at=None, announcement_key=None,
    calendar_token="Q2FsZW5kYXJUb2tlbkZvclRlc3Rz",
)  # fmt: skip
POSTED = replace(MEETING, announced_at=NOW, announcement_key="meeting:4:announcement:r1")
UPDATED = replace(POSTED, revision=2)
CANCELLED = replace(POSTED, revision=3, status=MeetingStatus.CANCELLED)
COUNTS = RsvpCounts(on_site=12, online=5, cannot=3)
AUDIENCE = [f"29:user-{n}" for n in range(50)]


def channel(meeting: Meeting) -> AnnouncementView:
    return AnnouncementView(counts=COUNTS, calendar_url=URL, audience=AUDIENCE, now=NOW)


def personal(answer: RsvpAnswer | None) -> AnnouncementView:
    return AnnouncementView(counts=COUNTS, calendar_url=URL, answer=answer, for_person=True, now=NOW)


NAMES = RsvpNames(
    meeting=POSTED,
    on_site=("Anna Anttila (Ateneum)", "Matti Museolainen (Kansallismuseo)"),
    online=("Erik Sandström",),
    cannot=(),
    unanswered=tuple(f"Osallistuja {n}" for n in range(40)),
)

CARDS: dict[str, Callable[[str], dict[str, Any]]] = {
    "meeting-announcement-channel": lambda loc: announcement_card(POSTED, channel(POSTED), loc, ZONE),
    "meeting-announcement-mine": lambda loc: announcement_card(POSTED, personal(RsvpAnswer.ONLINE), loc, ZONE),
    "meeting-announcement-updated": lambda loc: announcement_card(UPDATED, channel(UPDATED), loc, ZONE),
    "meeting-announcement-cancelled": lambda loc: announcement_card(CANCELLED, channel(CANCELLED), loc, ZONE),
    "meeting-preview": lambda loc: meeting_preview_card(MEETING, channel(MEETING), loc, ZONE),
    "meeting-preview-posted": lambda loc: meeting_preview_card(POSTED, channel(POSTED), loc, ZONE, note="✓"),
    "meeting-preview-closed": lambda loc: preview_closed_card(MEETING, loc),
    "meeting-form-add": lambda loc: meeting_form_card(
        MeetingInput(number="8", start="10:00", end="16:00"), museums=("Ateneum", "Vapriikki"), errors={}, locale=loc,
        time_zone=ZONE,
    ),
    "meeting-form-edit-errors": lambda loc: meeting_form_card(
        replace(input_of(MEETING, ZONE), theme="", end="09:00", join_url="teams://x"),
        museums=("Ateneum", "Vapriikki"),
        errors={"theme": "meeting.error.theme_missing", "end": "meeting.error.end_before_start",
                "join_url": "meeting.error.bad_url"},
        locale=loc, time_zone=ZONE,
    ),
    "meeting-form-closed": form_closed_card,
    "meeting-list": lambda loc: meetings_list_card(
        [replace(MEETING, number=4, starts_at=START - timedelta(days=120), ends_at=START - timedelta(days=119)),
         POSTED, replace(MEETING, id=6, number=6, status=MeetingStatus.CANCELLED), replace(MEETING, id=7, number=7)],
        loc, ZONE, now=NOW, show_coordinator_hint=True,
    ),
    "meeting-list-empty": lambda loc: meetings_list_card([], loc, ZONE, now=NOW, show_coordinator_hint=False),
    "rsvp-names": lambda loc: rsvp_names_card(NAMES, loc, ZONE),
    "meeting-reminder": lambda loc: reminder_card(
        POSTED, COUNTS, hours_before=24, locale=loc, time_zone=ZONE, calendar_url=URL
    ),
    "rsvp-nudge": lambda loc: rsvp_nudge_card(POSTED, locale=loc, time_zone=ZONE, calendar_url=URL),
    "meeting-cancel-confirm": lambda loc: cancel_confirm_card(POSTED, loc, ZONE),
}  # fmt: skip


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid_small_and_matches_golden(name: str, locale: str) -> None:
    card = CARDS[name](locale)
    assert card_errors(card) == []
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES
    assert_matches_golden(f"{name}-{locale}", card)


def texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_announcement_has_everything_people_need() -> None:
    card = CARDS["meeting-announcement-channel"]("fi")
    text = texts(card)
    for expected in ("Foorumitapaaminen 5", "keskiviikko 10. helmikuuta 2027 klo 10.00–16.00", "Ateneum, Kaivokatu 2",
                     "Liity etänä", "Kenelle työtä tehdään", "Paikan päällä 12 · Etänä 5 · Ei pääse 3"):  # fmt: skip
        assert expected in text, expected
    titles = [action["title"] for action in card["actions"]]
    assert titles == ["Tulen paikan päälle", "Osallistun etänä", "En pääse", "Lisää kalenteriin"]
    assert card["actions"][3] == {"type": "Action.OpenUrl", "title": "Lisää kalenteriin", "url": URL}
    assert card["refresh"]["userIds"] == AUDIENCE and "Vastauksesi" not in text


def test_each_rsvp_button_executes_and_falls_back_to_submit_with_the_same_verb_and_data() -> None:
    for action in CARDS["meeting-announcement-channel"]("en")["actions"][:3]:
        assert action["type"] == "Action.Execute"
        fallback = action["fallback"]
        assert fallback["type"] == "Action.Submit" and fallback["data"] == action["data"]
        assert action["data"]["verb"] == action["verb"] == "meeting.rsvp"
        choice = parse_rsvp(fallback["data"])
        assert choice is not None and choice.meeting_id == MEETING.id


def test_personal_view_marks_my_answer() -> None:
    card = CARDS["meeting-announcement-mine"]("sv")
    assert "Ditt svar: På distans" in texts(card)
    assert [a.get("style") for a in card["actions"][:3]] == [None, "positive", None]
    assert "refresh" not in card


def test_markers_and_no_buttons_when_cancelled() -> None:
    assert "Päivitetty" in texts(CARDS["meeting-announcement-updated"]("fi"))
    cancelled = CARDS["meeting-announcement-cancelled"]("en")
    assert "CANCELLED" in texts(cancelled) and "actions" not in cancelled and "refresh" not in cancelled
    finished = announcement_card(POSTED, replace(channel(POSTED), now=START + timedelta(days=1)), "fi", ZONE)
    assert [a["type"] for a in finished["actions"]] == ["Action.OpenUrl"]


def test_preview_buttons_before_and_after_posting() -> None:
    verbs = [a["verb"] for a in CARDS["meeting-preview"]("fi")["actions"]]
    assert verbs == ["meeting.post", "meeting.edit", "meeting.discard"]
    assert [a["verb"] for a in CARDS["meeting-preview-posted"]("fi")["actions"]] == ["meeting.edit"]


def test_form_keeps_values_and_shows_errors_next_to_fields() -> None:
    card = CARDS["meeting-form-edit-errors"]("fi")
    body = card["body"][-2]["items"]
    ids = [element.get("id") for element in body]
    theme_at, end_at = ids.index("theme"), ids.index("end")
    assert body[theme_at + 1]["text"] == "Kirjoita tapaamisen teema." and body[theme_at + 1]["color"] == "Attention"
    assert body[end_at]["value"] == "09:00" and "alkamisajan jälkeen" in body[end_at + 1]["text"]
    assert "number" not in ids  # an edit keeps its number
    save = card["actions"][0]
    assert save["data"] == {"verb": "meeting.save", "meetingId": 4, "number": "5"}
    assert card["actions"][1]["associatedInputs"] == "none"


def test_form_submit_is_parsed_into_typed_values() -> None:
    values = parse_meeting_form(
        {"verb": "meeting.save", "meetingId": "4", "theme": "  Teema ", "date": "2027-02-10", "start": "10:00",
         "host": ["not", "a", "string"], "join_url": None}
    )  # fmt: skip
    assert values.meeting_id == 4 and values.theme == "Teema" and values.host == "" and values.join_url == ""
    assert parse_rsvp({"meetingId": 4, "answer": "maybe"}) is None
    assert parse_rsvp({"meetingId": True, "answer": "online"}) is None


def test_a_big_forum_still_fits() -> None:
    many = RsvpNames(POSTED, tuple(f"Henkilö {n} (Museo {n % 13})" for n in range(60)), (), (), ())
    assert card_errors(rsvp_names_card(many, "fi", ZONE)) == []
    renderer = MeetingCards("https://bot.example")
    activity = renderer.channel_announcement(POSTED, COUNTS, locale="fi", time_zone=ZONE, audience=AUDIENCE)
    assert activity["type"] == "message" and activity["summary"].startswith("Foorumitapaaminen 5")
    assert card_errors(activity["attachments"][0]["content"]) == []
