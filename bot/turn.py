"""What every command handler needs to know about the turn it answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from cards.elements import CARD_CONTENT_TYPE
from forum.people.roster import Actor


@dataclass(frozen=True)
class TurnInfo:
    """The speaker, their forum and language, resolved once per turn."""

    actor: Actor
    locale: str
    team_id: str | None
    is_personal: bool
    time_zone: str

    @property
    def forum_id(self) -> int | None:
        return self.actor.forum.id if self.actor.forum is not None else None


CommandHandler = Callable[[TurnContext, TurnInfo, str], Awaitable[None]]
"""Answers a text command; gets the turn, who asked, and the text after the command word."""

Interceptor = Callable[[TurnContext, TurnInfo, str], Awaitable[bool]]
"""Sees typed text before the commands; True when it answered the turn (a dialog in progress)."""

CardActionHandler = Callable[[TurnContext, TurnInfo, dict[str, Any]], Awaitable[dict[str, Any] | None]]
"""Answers a card button (Submit or Execute) with its data; may return a card to replace the old one."""


def card_activity(card: dict[str, Any]) -> Activity:
    """A reply carrying ``card``; the attachment as a model, which the connector writes in one walk."""
    return MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=card))


async def send_card(turn_context: TurnContext, card: dict[str, Any]) -> str | None:
    """Send a card as a reply in this conversation; returns its activity id."""
    response = await turn_context.send_activity(card_activity(card))
    return response.id if response is not None else None


def invoke_message(status: int, kind: str, message: str) -> dict[str, Any]:
    """An ``adaptiveCard/action`` response body: a message (200) or an error for the presser only."""
    if status == 200:
        return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": message or "OK"}
    return {
        "statusCode": status,
        "type": "application/vnd.microsoft.error",
        "value": {"code": kind, "message": message},
    }
