"""The ``rsvp N`` answer: who comes on site, who online, who cannot, who has not answered.

Shown only to coordinators and the host museum's people (``forum/rsvp.py``
decides), in their 1:1 chat.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Element, adaptive_card, container, text
from cards.meetings.parts import heading_block, when_text
from forum.i18n import tr
from forum.meetings.rsvp import RsvpNames


def _section(title: str, names: Sequence[str], locale: str) -> Element:
    lines = "\n".join(f"- {name}" for name in names) if names else tr(locale, "rsvp.names.nobody")
    return container(
        [
            text(tr(locale, "rsvp.names.section", title=title, count=len(names)), weight="Bolder"),
            text(lines, spacing="Small"),
        ],
        spacing="Medium",
    )


def rsvp_names_card(names: RsvpNames, locale: str, time_zone: str) -> Element:
    meeting = names.meeting
    body: list[Element] = [
        text(tr(locale, "rsvp.names.title"), weight="Bolder", color="Accent"),
        *heading_block(meeting, locale),
        text(when_text(meeting, locale, time_zone), is_subtle=True, spacing="None"),
    ]
    if meeting.is_cancelled:
        body.append(text(tr(locale, "meeting.marker.cancelled"), color="Attention", weight="Bolder"))
    body.append(_section(tr(locale, "rsvp.answer.on_site"), names.on_site, locale))
    body.append(_section(tr(locale, "rsvp.answer.online"), names.online, locale))
    body.append(_section(tr(locale, "rsvp.answer.cannot"), names.cannot, locale))
    body.append(_section(tr(locale, "rsvp.names.unanswered"), names.unanswered, locale))
    return adaptive_card(body)
