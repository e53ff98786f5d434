"""Asking a coordinator to confirm ``meeting cancel N`` before the channel is told.

Why a confirmation: cancelling changes the card fifty people see and stops
the reminders; a mistyped number must be caught before that, not after.
"""

from __future__ import annotations

from cards.elements import Element, adaptive_card, execute, text
from cards.meetings.actions import MEETING_KEY, VERB_CANCEL_CONFIRM, VERB_FORM_CLOSE
from cards.meetings.parts import heading_block, when_text
from forum.i18n import N_, tr
from forum.meetings.model import Meeting


def cancel_confirm_card(meeting: Meeting, locale: str, time_zone: str) -> Element:
    consequence = N_("meeting.cancel.consequence_posted") if meeting.is_announced else N_("meeting.cancel.consequence")
    body: list[Element] = [
        text(tr(locale, "meeting.cancel.question", number=meeting.number), weight="Bolder", size="Medium"),
        *heading_block(meeting, locale),
        text(when_text(meeting, locale, time_zone), is_subtle=True, spacing="None"),
        text(tr(locale, consequence), spacing="Medium"),
    ]
    reference = {MEETING_KEY: meeting.id}
    actions = [
        execute(tr(locale, "meeting.cancel.confirm"), VERB_CANCEL_CONFIRM, reference, style="destructive"),
        execute(tr(locale, "meeting.cancel.keep"), VERB_FORM_CLOSE, dict(reference), with_inputs=False),
    ]
    return adaptive_card(body, actions)
