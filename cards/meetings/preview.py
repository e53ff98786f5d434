"""The coordinator's preview of an announcement, in their 1:1 chat.

It shows the card exactly as the channel will see it, then *Post to channel*
/ *Edit* / *Cancel*. After posting the same card stays with a "posted" line
and only *Edit* left, so pressing Post twice is impossible from the card.
"""

from __future__ import annotations

from cards.elements import Element, adaptive_card, container, execute, text
from cards.meetings.actions import MEETING_KEY, VERB_DISCARD, VERB_EDIT, VERB_POST
from cards.meetings.announcement import AnnouncementView, announcement_body
from forum.i18n import format_when, tr
from forum.meetings.model import Meeting


def meeting_preview_card(
    meeting: Meeting, view: AnnouncementView, locale: str, time_zone: str, *, note: str | None = None
) -> Element:
    if meeting.is_cancelled:
        status = tr(locale, "meeting.preview.cancelled")
    elif meeting.announced_at is not None:
        status = tr(locale, "meeting.preview.posted", when=format_when(meeting.announced_at, locale, time_zone))
    else:
        status = tr(locale, "meeting.preview.intro")
    body: list[Element] = [container([text(status, weight="Bolder")], style="emphasis")]
    if note:
        body.append(text(note, color="Good", weight="Bolder"))
    body.append(container(announcement_body(meeting, view, locale, time_zone), spacing="Medium"))
    reference = {MEETING_KEY: meeting.id}
    actions: list[Element] = []
    if not meeting.is_cancelled and not meeting.is_announced:
        actions.append(execute(tr(locale, "meeting.preview.post"), VERB_POST, reference, style="positive"))
    if not meeting.is_cancelled:
        actions.append(execute(tr(locale, "meeting.preview.edit"), VERB_EDIT, reference))
    if not meeting.is_announced and not meeting.is_cancelled:
        actions.append(execute(tr(locale, "meeting.preview.discard"), VERB_DISCARD, reference))
    return adaptive_card(body, actions, full_width=True)


def form_closed_card(locale: str) -> Element:
    """What a form turns into when the coordinator presses Cancel: nothing was saved."""
    return adaptive_card([text(tr(locale, "meeting.form.closed"))])


def preview_closed_card(meeting: Meeting, locale: str) -> Element:
    """What the preview turns into when the coordinator presses Cancel: nothing was posted."""
    return adaptive_card(
        [
            text(tr(locale, "meeting.preview.discarded", number=meeting.number, theme=meeting.theme)),
            text(tr(locale, "meeting.preview.discarded_hint", number=meeting.number), is_subtle=True),
        ]
    )
