"""Pieces every meeting card shares: the title, when and where, the counts.

Why shared: the announcement, its preview, the reminder and the nudge must
describe a meeting in the same words, and a wording fix lands everywhere.
"""

from __future__ import annotations

from cards.elements import Element, facts, text
from forum.i18n import N_, format_clock, format_day, format_when, tr
from forum.meetings.model import Meeting
from forum.meetings.rsvp import RsvpAnswer, RsvpCounts

ANSWER_KEYS: dict[RsvpAnswer, str] = {
    RsvpAnswer.ON_SITE: N_("rsvp.answer.on_site"),
    RsvpAnswer.ONLINE: N_("rsvp.answer.online"),
    RsvpAnswer.CANNOT: N_("rsvp.answer.cannot"),
}
BUTTON_KEYS: dict[RsvpAnswer, str] = {
    RsvpAnswer.ON_SITE: N_("rsvp.button.on_site"),
    RsvpAnswer.ONLINE: N_("rsvp.button.online"),
    RsvpAnswer.CANNOT: N_("rsvp.button.cannot"),
}


def meeting_title(meeting: Meeting, locale: str) -> str:
    return tr(locale, "meeting.title", number=meeting.number)


def when_text(meeting: Meeting, locale: str, time_zone: str) -> str:
    """Like "ke 18.9.2024 klo 10.00–16.00"; both ends in full for a meeting over days."""
    start = format_when(meeting.starts_at, locale, time_zone)
    if format_day(meeting.starts_at, locale, time_zone) == format_day(meeting.ends_at, locale, time_zone):
        end = format_clock(meeting.ends_at, locale, time_zone)
    else:
        end = format_when(meeting.ends_at, locale, time_zone)
    return tr(locale, "meeting.when.range", start=start, end=end)


def where_text(meeting: Meeting, locale: str) -> str:
    parts = [part for part in (meeting.host_museum, meeting.venue_address) if part]
    return ", ".join(parts) if parts else tr(locale, "meeting.where.unknown")


def meeting_facts(meeting: Meeting, locale: str, time_zone: str) -> Element:
    pairs = [
        (tr(locale, "meeting.fact.when"), when_text(meeting, locale, time_zone)),
        (tr(locale, "meeting.fact.where"), where_text(meeting, locale)),
    ]
    if meeting.join_url:
        link = tr(locale, "meeting.join_link")
        pairs.append((tr(locale, "meeting.fact.online"), f"[{link}]({meeting.join_url})"))
    if meeting.rsvp_deadline is not None:
        pairs.append((tr(locale, "meeting.fact.rsvp_by"), format_when(meeting.rsvp_deadline, locale, time_zone)))
    return facts(pairs)


def heading_block(meeting: Meeting, locale: str) -> list[Element]:
    return [
        text(meeting_title(meeting, locale), weight="Bolder", is_subtle=True, spacing="None"),
        text(meeting.theme, size="Large", weight="Bolder", spacing="Small"),
    ]


def counts_text(counts: RsvpCounts, locale: str) -> str:
    return tr(locale, "rsvp.counts", on_site=counts.on_site, online=counts.online, cannot=counts.cannot)


def answer_text(answer: RsvpAnswer, locale: str) -> str:
    return tr(locale, ANSWER_KEYS[answer])
