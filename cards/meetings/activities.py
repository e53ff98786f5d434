"""Meeting cards wrapped as Bot Framework message activities for the outbox.

This is the ``forum.meetings.renderer.MeetingRenderer`` the composition root
hands to ``forum/``: it knows where the bot serves ``.ics`` files, and gives
every message a plain-text ``summary`` for Teams' notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cards.elements import Element, attachment
from cards.meetings.announcement import AnnouncementView, announcement_card
from cards.meetings.parts import meeting_title
from cards.meetings.reminder import reminder_card, rsvp_nudge_card
from forum.i18n import tr
from forum.meetings.calendar import calendar_url
from forum.meetings.model import Meeting
from forum.meetings.rsvp import RsvpCounts


def card_message(card: Element, summary: str) -> dict[str, Any]:
    return {"type": "message", "summary": summary, "attachments": [attachment(card)]}


class MeetingCards:
    """Builds the activities ``forum/`` queues; ``public_base_url`` is where the bot is reachable."""

    def __init__(self, public_base_url: str) -> None:
        self._base_url = public_base_url.rstrip("/")

    def calendar_url(self, meeting: Meeting, locale: str) -> str:
        return calendar_url(self._base_url, meeting, locale)

    def channel_announcement(
        self,
        meeting: Meeting,
        counts: RsvpCounts,
        *,
        locale: str,
        time_zone: str,
        audience: Sequence[str] | None,
    ) -> dict[str, Any]:
        view = AnnouncementView(counts=counts, calendar_url=self.calendar_url(meeting, locale), audience=audience)
        summary = f"{meeting_title(meeting, locale)}: {meeting.theme}"
        return card_message(announcement_card(meeting, view, locale, time_zone), summary)

    def reminder(
        self, meeting: Meeting, counts: RsvpCounts, *, hours_before: int, locale: str, time_zone: str
    ) -> dict[str, Any]:
        card = reminder_card(
            meeting,
            counts,
            hours_before=hours_before,
            locale=locale,
            time_zone=time_zone,
            calendar_url=self.calendar_url(meeting, locale),
        )
        return card_message(card, tr(locale, "meeting.reminder.summary", number=meeting.number, theme=meeting.theme))

    def rsvp_nudge(self, meeting: Meeting, *, locale: str, time_zone: str) -> dict[str, Any]:
        card = rsvp_nudge_card(
            meeting, locale=locale, time_zone=time_zone, calendar_url=self.calendar_url(meeting, locale)
        )
        return card_message(card, tr(locale, "rsvp.nudge.title", number=meeting.number))
