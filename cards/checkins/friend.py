"""Critical friends: a shared check-in sent to the friend museum with *Reply*, and the reply."""

from __future__ import annotations

from cards.checkins.actions import (
    CHECKIN_KEY,
    FIELD_REPLY,
    MUSEUM_KEY,
    PARTICIPANT_KEY,
    VERB_MEMBER_CONFIRM,
    VERB_REPLY,
)
from cards.checkins.parts import checkin_lines
from cards.elements import Element, adaptive_card, execute, heading, text
from forum.checkins.model import MAX_TEXT, CheckinView
from forum.i18n import format_when, tr


def friend_checkin_card(checkin: CheckinView, locale: str, time_zone: str, *, note: str | None = None) -> Element:
    body: list[Element] = [
        heading(tr(locale, "checkin.friend.title", museum=checkin.museum or "")),
        text(tr(locale, "checkin.friend.intro"), is_subtle=True, spacing="None"),
        text(format_when(checkin.answered_at, locale, time_zone), is_subtle=True, size="Small"),
        *checkin_lines(checkin, locale),
    ]
    for museum, reply in checkin.replies:
        body.append(text(tr(locale, "checkin.friend.reply_line", museum=museum, text=reply), spacing="Small"))
    if note:
        body.append(text(note, color="Good", weight="Bolder"))
    body.append(
        {
            "type": "Input.Text",
            "id": FIELD_REPLY,
            "label": tr(locale, "checkin.friend.reply_label"),
            "isMultiline": True,
            "maxLength": MAX_TEXT,
        }
    )
    return adaptive_card(body, [execute(tr(locale, "checkin.friend.reply"), VERB_REPLY, {CHECKIN_KEY: checkin.id})])


def friend_reply_card(checkin: CheckinView, museum: str, reply: str, locale: str) -> Element:
    return adaptive_card(
        [
            heading(tr(locale, "checkin.reply.title", museum=museum)),
            text(reply),
            text(tr(locale, "checkin.reply.about"), is_subtle=True, size="Small"),
            *checkin_lines(checkin, locale, limit=200),
        ]
    )


def member_claim_card(
    person: str, museum: str, participant_id: int, museum_id: int, locale: str, *, done: bool = False
) -> Element:
    body = [
        heading(tr(locale, "checkin.claim.title")),
        text(tr(locale, "checkin.claim.text", person=person, museum=museum)),
    ]
    if done:
        body.append(text(tr(locale, "checkin.claim.done", person=person, museum=museum), color="Good"))
        return adaptive_card(body)
    data = {PARTICIPANT_KEY: participant_id, MUSEUM_KEY: museum_id}
    return adaptive_card(
        body, [execute(tr(locale, "checkin.claim.confirm"), VERB_MEMBER_CONFIRM, data, style="positive")]
    )


def silent_museum_card(museum: str, rounds: int, locale: str) -> Element:
    return adaptive_card(
        [
            heading(tr(locale, "checkin.silent.title")),
            text(tr(locale, "checkin.silent.text", museum=museum, rounds=rounds)),
        ]
    )
