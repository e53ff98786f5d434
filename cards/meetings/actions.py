"""Verbs and data keys of every meeting card button, and parsing what comes back.

Why in one module: the card that makes a button and the handler that answers
it must agree on the verb and on every key in its data; both import them
from here. Every button is an ``Action.Execute`` whose ``fallback`` is an
``Action.Submit`` with the same data (the verb included), so older Teams
clients that cannot Execute still reach the same handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cards.elements import VERB_KEY, Element, id_in
from forum.meetings.input import MeetingInput
from forum.meetings.model import MeetingField
from forum.meetings.rsvp import RsvpAnswer, parse_answer

MEETING_KEY = "meetingId"
ANSWER_KEY = "answer"

VERB_RSVP = "meeting.rsvp"
VERB_REFRESH = "meeting.refresh"
VERB_POST = "meeting.post"
VERB_EDIT = "meeting.edit"
VERB_DISCARD = "meeting.discard"
VERB_SAVE = "meeting.save"
VERB_FORM_CLOSE = "meeting.form_close"
VERB_CANCEL_CONFIRM = "meeting.cancel_confirm"

MEETING_VERBS = (
    VERB_RSVP,
    VERB_REFRESH,
    VERB_POST,
    VERB_EDIT,
    VERB_DISCARD,
    VERB_SAVE,
    VERB_FORM_CLOSE,
    VERB_CANCEL_CONFIRM,
)


def action_data(verb: str, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {VERB_KEY: verb}
    data.update(values)
    return data


def refresh(meeting_id: int, user_ids: list[str] | None) -> Element:
    """The card-level refresh that fetches each listed person's own view (everyone's: None)."""
    data = action_data(VERB_REFRESH, **{MEETING_KEY: meeting_id})
    element: Element = {"action": {"type": "Action.Execute", "verb": VERB_REFRESH, "data": data}}
    if user_ids is not None:
        element["userIds"] = list(user_ids)
    return element


def meeting_id_of(data: dict[str, Any]) -> int | None:
    return id_in(data, MEETING_KEY)


@dataclass(frozen=True)
class RsvpChoice:
    meeting_id: int
    answer: RsvpAnswer


def parse_rsvp(data: dict[str, Any]) -> RsvpChoice | None:
    meeting_id = meeting_id_of(data)
    answer = parse_answer(data.get(ANSWER_KEY))
    if meeting_id is None or answer is None:
        return None
    return RsvpChoice(meeting_id, answer)


def _text(data: dict[str, Any], field: MeetingField) -> str:
    value = data.get(field.value)
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def parse_meeting_form(data: dict[str, Any]) -> MeetingInput:
    """The form's inputs as typed; anything missing or of the wrong shape is empty."""
    return MeetingInput(
        meeting_id=meeting_id_of(data),
        number=_text(data, MeetingField.NUMBER),
        theme=_text(data, MeetingField.THEME),
        description=_text(data, MeetingField.DESCRIPTION),
        date=_text(data, MeetingField.DATE),
        start=_text(data, MeetingField.START),
        end_date=_text(data, MeetingField.END_DATE),
        end=_text(data, MeetingField.END),
        host=_text(data, MeetingField.HOST),
        address=_text(data, MeetingField.ADDRESS),
        join_url=_text(data, MeetingField.JOIN_URL),
        rsvp_date=_text(data, MeetingField.RSVP_DATE),
        rsvp_time=_text(data, MeetingField.RSVP_TIME),
    )
