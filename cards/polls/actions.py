"""Verbs and data keys of the poll cards' buttons, and reading what a card sent back.

The card that makes a button and the handler that answers it agree on these; every button is
an ``Action.Execute`` with an ``Action.Submit`` fallback carrying the same data.
"""

from __future__ import annotations

from typing import Any

from cards.elements import VERB_KEY, Element, id_in

POLL_KEY = "pollId"
PERSONAL_KEY = "personal"
"""On *Post*: true sends a copy to each participant's 1:1 too."""
INPUT_PREFIX = "q"

VERB_ANSWER = "poll.answer"
VERB_REFRESH = "poll.refresh"
VERB_MINE = "poll.mine"
VERB_POST = "poll.post"
VERB_DISCARD = "poll.discard"

POLL_VERBS = (VERB_ANSWER, VERB_REFRESH, VERB_MINE, VERB_POST, VERB_DISCARD)
MAX_INPUT = 4000
"""Longer than any allowed answer: the domain says "too long"; beyond this the edge cuts."""


def input_id(question_id: int) -> str:
    return f"{INPUT_PREFIX}{question_id}"


def poll_id_of(data: dict[str, Any]) -> int | None:
    return id_in(data, POLL_KEY)


def wants_personal_copies(data: dict[str, Any]) -> bool:
    """The preview's second *Post* button; anything but a true (or "true", from a Submit) is no."""
    value = data.get(PERSONAL_KEY)
    return value is True or value == "true"


def refresh(poll_id: int, user_ids: list[str] | None) -> Element:
    """The card-level refresh: each person's Teams fetches their own view (None: everyone)."""
    data = {VERB_KEY: VERB_REFRESH, POLL_KEY: poll_id}
    element: Element = {"action": {"type": "Action.Execute", "verb": VERB_REFRESH, "data": data}}
    if user_ids:
        element["userIds"] = list(user_ids)
    return element


def answers_in(data: dict[str, Any]) -> dict[int, str] | None:
    """The inputs a card sent (``q12`` → text); None when a key or value cannot come from the card."""
    found: dict[int, str] = {}
    for key, value in data.items():
        if not key.startswith(INPUT_PREFIX) or key == POLL_KEY:
            continue
        digits = key[len(INPUT_PREFIX) :]
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return None
        text = str(value).replace("\x00", "")
        found[int(digits)] = text[:MAX_INPUT] if len(text) > MAX_INPUT else text
    return found
