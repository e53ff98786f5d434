"""The ``meetings`` answer: the forum's programme, one line per meeting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cards.elements import Element, adaptive_card, container, heading, text
from cards.meetings.parts import when_text
from forum.i18n import N_, tr
from forum.meetings.model import Meeting


def _line(meeting: Meeting, locale: str, time_zone: str, now: datetime) -> Element:
    when = when_text(meeting, locale, time_zone)
    host = meeting.host_museum or tr(locale, "meeting.where.unknown")
    status = ""
    if meeting.is_cancelled:
        status = tr(locale, "meeting.list.cancelled")
    elif meeting.ends_at <= now:
        status = tr(locale, "meeting.list.past")
    elif meeting.is_announced:
        status = tr(locale, "meeting.list.announced")
    summary = tr(locale, "meeting.list.line", number=meeting.number, when=when, host=host)
    items = [
        text(f"**{summary}**" + (f" · {status}" if status else ""), spacing="None"),
        text(meeting.theme, is_subtle=meeting.is_cancelled or meeting.ends_at <= now, spacing="None"),
    ]
    return container(items, spacing="Medium")


def meetings_list_card(
    meetings: Sequence[Meeting], locale: str, time_zone: str, *, now: datetime, show_coordinator_hint: bool
) -> Element:
    body: list[Element] = [heading(tr(locale, "meeting.list.title"))]
    if not meetings:
        body.append(text(tr(locale, "meeting.list.empty")))
    for meeting in sorted(meetings, key=lambda m: m.number):
        body.append(_line(meeting, locale, time_zone, now))
    hint = N_("meeting.list.hint_coordinator") if show_coordinator_hint else N_("meeting.list.hint")
    body.append(text(tr(locale, hint), is_subtle=True, size="Small", spacing="Large"))
    return adaptive_card(body)
