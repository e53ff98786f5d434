"""What the meeting logic needs drawn, without knowing how cards are built.

Why a protocol: proactive messages (the channel card, its in-place updates,
reminders, nudges) are composed inside ``forum/`` transactions, in the same
commit as the change that causes them, but the Adaptive Cards themselves
belong to ``cards/``. The composition root hands ``forum/`` an object that
turns a meeting into a ready Bot Framework message activity (a JSON dict).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from forum.meetings.model import Meeting
from forum.meetings.rsvp import RsvpCounts

Activity = dict[str, Any]


class MeetingRenderer(Protocol):
    def channel_announcement(
        self,
        meeting: Meeting,
        counts: RsvpCounts,
        *,
        locale: str,
        time_zone: str,
        audience: Sequence[str] | None,
    ) -> Activity:
        """The card everyone sees in the channel; ``audience`` are the Teams
        user ids whose clients fetch their own view (their answer) of it, None
        for everyone (``forum.people.audience``)."""
        ...

    def reminder(
        self, meeting: Meeting, counts: RsvpCounts, *, hours_before: int, locale: str, time_zone: str
    ) -> Activity:
        """The channel reminder ``hours_before`` the start."""
        ...

    def rsvp_nudge(self, meeting: Meeting, *, locale: str, time_zone: str) -> Activity:
        """The 1:1 note to someone who has not answered yet."""
        ...
