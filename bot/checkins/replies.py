"""What the check-in commands and buttons share: the service, the cards, private delivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botbuilder.core import TurnContext

from bot.turn import TurnInfo, send_card
from cards.checkins.activities import card_message
from cards.elements import Element
from forum.checkins.service import CheckinService
from forum.i18n import tr

Kick = Callable[[], None]
StartDialog = Callable[[TurnContext, TurnInfo, int | None], Awaitable[None]]


@dataclass
class CheckinFeatureParts:
    service: CheckinService
    kick: Kick
    start_dialog: StartDialog | None = None
    """Set once the dialog is built (``bot/checkins/context.py``): starts the typed check-in."""


class CheckinReplies:
    def __init__(self, parts: CheckinFeatureParts) -> None:
        self.parts = parts
        self.service = parts.service

    def kick(self) -> None:
        self.parts.kick()

    async def send_privately(
        self, turn_context: TurnContext, turn: TurnInfo, card: Element, *, purpose: str, summary: str
    ) -> None:
        """Reply here in a 1:1; from a channel, queue it for the person's 1:1 and say so.

        Keyed by the incoming activity, so Teams delivering a request twice sends one card.
        """
        if turn.is_personal:
            await send_card(turn_context, card)
            return
        await self.service.deliver_privately(
            key=f"private:{purpose}:person:{turn.actor.person.id}:{turn_context.activity.id or '-'}",
            purpose=purpose,
            forum_id=turn.forum_id,
            person_id=turn.actor.person.id,
            activity=card_message(card, summary),
        )
        self.kick()
        await turn_context.send_activity(tr(turn.locale, "checkin.sent_privately"))
