"""The channel reminder before a meeting, and the 1:1 nudge to answer the RSVP.

Both carry the RSVP buttons, so answering takes one click wherever the
person sees the message; the answer updates the announcement card's counts.
"""

from __future__ import annotations

from cards.elements import Element, adaptive_card, container, open_url, text
from cards.meetings.announcement import rsvp_buttons
from cards.meetings.parts import counts_text, heading_block, meeting_facts
from forum.i18n import format_when, tr
from forum.meetings.model import Meeting
from forum.meetings.rsvp import RsvpCounts

HOURS_PER_DAY = 24


def lead_time_text(hours_before: int, locale: str) -> str:
    """How far the meeting is, as in "huomenna" or "7 päivän päästä"."""
    if hours_before == HOURS_PER_DAY:
        return tr(locale, "meeting.reminder.tomorrow")
    if hours_before % HOURS_PER_DAY == 0:
        return tr(locale, "meeting.reminder.in_days", days=hours_before // HOURS_PER_DAY)
    if hours_before == 1:
        return tr(locale, "meeting.reminder.in_an_hour")
    return tr(locale, "meeting.reminder.in_hours", hours=hours_before)


def reminder_card(
    meeting: Meeting, counts: RsvpCounts, *, hours_before: int, locale: str, time_zone: str, calendar_url: str
) -> Element:
    band = tr(locale, "meeting.reminder.title", number=meeting.number, lead=lead_time_text(hours_before, locale))
    body: list[Element] = [
        container([text(band, weight="Bolder")], style="accent"),
        *heading_block(meeting, locale),
        meeting_facts(meeting, locale, time_zone),
        text(counts_text(counts, locale), is_subtle=True, spacing="Medium"),
        text(tr(locale, "meeting.reminder.answer_hint"), size="Small", is_subtle=True),
    ]
    actions = [*rsvp_buttons(meeting, locale, None), open_url(tr(locale, "meeting.add_to_calendar"), calendar_url)]
    return adaptive_card(body, actions, full_width=True)


def rsvp_nudge_card(meeting: Meeting, *, locale: str, time_zone: str, calendar_url: str) -> Element:
    body: list[Element] = [
        text(tr(locale, "rsvp.nudge.title", number=meeting.number), weight="Bolder", size="Medium"),
        *heading_block(meeting, locale),
        meeting_facts(meeting, locale, time_zone),
    ]
    if meeting.rsvp_deadline is not None:
        deadline = format_when(meeting.rsvp_deadline, locale, time_zone)
        body.append(text(tr(locale, "rsvp.nudge.deadline", deadline=deadline), spacing="Medium"))
    else:
        body.append(text(tr(locale, "rsvp.nudge.why"), spacing="Medium"))
    actions = [*rsvp_buttons(meeting, locale, None), open_url(tr(locale, "meeting.add_to_calendar"), calendar_url)]
    return adaptive_card(body, actions)
