"""The meeting's announcement card: the one in the channel, and each person's view of it.

The channel gets the shared version (counts, no personal answer) with a
``refresh``, so each member's Teams (everyone's in a forum of at most 60, else
the latest 60 who answered: ``forum.people.audience``) fetches their own view
(``for_person``): the same card with "Your answer: …". A change to
the meeting puts an "Updated" or "Cancelled" band at the top; a cancelled or
finished meeting has no RSVP buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cards.elements import Element, adaptive_card, container, execute, open_url, text
from cards.meetings.actions import ANSWER_KEY, MEETING_KEY, VERB_RSVP, refresh
from cards.meetings.parts import BUTTON_KEYS, answer_text, counts_text, heading_block, meeting_facts
from forum.i18n import tr
from forum.meetings.model import Meeting
from forum.meetings.rsvp import RsvpAnswer, RsvpCounts


@dataclass(frozen=True)
class AnnouncementView:
    """Everything the card shows besides the meeting itself."""

    counts: RsvpCounts
    calendar_url: str
    answer: RsvpAnswer | None = None
    for_person: bool = False
    audience: Sequence[str] | None = ()
    """Whose Teams fetch their own view (``forum.people.audience``): None for everyone
    (``refresh`` without ``userIds``), these ids, or nobody (empty: no ``refresh``)."""
    now: datetime | None = None
    note: str | None = None
    """An extra line for the reader, e.g. "Thank you, your answer is saved"."""
    note_is_warning: bool = False


def marker(meeting: Meeting, locale: str) -> Element | None:
    if meeting.is_cancelled:
        return container(
            [text(tr(locale, "meeting.marker.cancelled"), weight="Bolder", color="Attention")], style="attention"
        )
    if meeting.edited_since_announced:
        return container([text(tr(locale, "meeting.marker.updated"), weight="Bolder")], style="warning")
    return None


def rsvp_buttons(meeting: Meeting, locale: str, chosen: RsvpAnswer | None) -> list[Element]:
    buttons = []
    for answer in RsvpAnswer:
        title = tr(locale, BUTTON_KEYS[answer])
        style = "positive" if answer is chosen else None
        buttons.append(execute(title, VERB_RSVP, {MEETING_KEY: meeting.id, ANSWER_KEY: answer.value}, style=style))
    return buttons


def rsvp_open(meeting: Meeting, now: datetime | None) -> bool:
    return not meeting.is_cancelled and (now is None or meeting.ends_at > now)


def announcement_body(meeting: Meeting, view: AnnouncementView, locale: str, time_zone: str) -> list[Element]:
    body: list[Element] = []
    band = marker(meeting, locale)
    if band is not None:
        body.append(band)
    body.extend(heading_block(meeting, locale))
    body.append(meeting_facts(meeting, locale, time_zone))
    if meeting.description:
        body.append(text(tr(locale, "meeting.agenda"), weight="Bolder", spacing="Medium"))
        body.append(text(meeting.description, spacing="Small"))
    body.append(text(counts_text(view.counts, locale), is_subtle=True, spacing="Medium"))
    if view.for_person:
        mine = answer_text(view.answer, locale) if view.answer else tr(locale, "rsvp.answer.none")
        body.append(text(tr(locale, "rsvp.yours", answer=mine), weight="Bolder", spacing="Small"))
    if view.note:
        body.append(text(view.note, color="Attention" if view.note_is_warning else "Good", spacing="Small"))
    return body


def announcement_card(meeting: Meeting, view: AnnouncementView, locale: str, time_zone: str) -> Element:
    actions: list[Element] = []
    if rsvp_open(meeting, view.now):
        actions.extend(rsvp_buttons(meeting, locale, view.answer if view.for_person else None))
    if not meeting.is_cancelled:
        actions.append(open_url(tr(locale, "meeting.add_to_calendar"), view.calendar_url))
    extra: dict[str, Any] = {}
    if not view.for_person and not meeting.is_cancelled and (view.audience is None or view.audience):
        extra["refresh"] = refresh(meeting.id, None if view.audience is None else list(view.audience))
    return adaptive_card(announcement_body(meeting, view, locale, time_zone), actions, full_width=True, **extra)
