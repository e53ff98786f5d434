"""Small constructors for Adaptive Card 1.5 elements.

Why functions and not templates: a card is data, and building it from typed
calls means no JSON is ever assembled from strings, every card gets the same
envelope, and the schema test covers each constructor once for all cards.
"""

from __future__ import annotations

from typing import Any

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Element = dict[str, Any]


def adaptive_card(
    body: list[Element], actions: list[Element] | None = None, *, full_width: bool = False, **extra: Any
) -> Element:
    """The card envelope. ``full_width`` asks Teams to use the whole message
    column (worth it for wide channel posts, not for a short 1:1 answer)."""
    card: Element = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    if full_width:
        card["msteams"] = {"width": "Full"}
    card.update(extra)
    return card


def text(
    value: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    is_subtle: bool = False,
    wrap: bool = True,
    spacing: str | None = None,
    element_id: str | None = None,
) -> Element:
    element: Element = {"type": "TextBlock", "text": value, "wrap": wrap}
    if size:
        element["size"] = size
    if weight:
        element["weight"] = weight
    if color:
        element["color"] = color
    if is_subtle:
        element["isSubtle"] = True
    if spacing:
        element["spacing"] = spacing
    if element_id:
        element["id"] = element_id
    return element


def heading(value: str) -> Element:
    return text(value, size="Large", weight="Bolder")


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": title, "value": value} for title, value in pairs]}


def container(items: list[Element], *, style: str | None = None, spacing: str | None = None) -> Element:
    element: Element = {"type": "Container", "items": items}
    if style:
        element["style"] = style
    if spacing:
        element["spacing"] = spacing
    return element


VERB_KEY = "verb"
"""The data key ``bot/card_actions.py`` routes Action.Submit by."""


def execute(
    title: str, verb: str, data: dict[str, Any], *, style: str | None = None, with_inputs: bool = True
) -> Element:
    """An Action.Execute with an Action.Submit fallback carrying the same data (the verb included).

    Why both: Teams clients that cannot Execute fall back to Submit, and the bot routes
    either by the verb. ``with_inputs`` False sends no input values (a form's Cancel must
    not trip the client's required-field checks).
    """
    payload: dict[str, Any] = {VERB_KEY: verb, **data}
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb, "data": payload}
    fallback: Element = {"type": "Action.Submit", "title": title, "data": dict(payload)}
    for element in (action, fallback):
        if style:
            element["style"] = style
        if not with_inputs:
            element["associatedInputs"] = "none"
    action["fallback"] = fallback
    return action


MAX_RECORD_ID = 2**31 - 1
"""The largest id either database stores in an integer column: a bigger number names no record."""


def id_in(data: dict[str, Any], key: str) -> int | None:
    """A record id a card put in its data (an int, or digits if a client made it a string)."""
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_RECORD_ID else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 12:
        number = int(value.strip())
        return number if 0 < number <= MAX_RECORD_ID else None
    return None


def open_url(title: str, url: str) -> Element:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def attachment(card: Element) -> dict[str, Any]:
    """The message attachment that carries a card."""
    return {"contentType": CARD_CONTENT_TYPE, "content": card}
