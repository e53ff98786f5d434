"""Card buttons: Action.Submit (a message with ``value``) and Action.Execute
(an ``adaptiveCard/action`` invoke), routed by verb to one handler.

Why one router for both: Teams clients that cannot Execute fall back to
Submit, so the same verb must do the same thing whichever way it arrives.
Every card puts its verb in its data under ``VERB_KEY``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext

from bot.turn import CardActionHandler, TurnInfo, card_activity
from forum.i18n import tr
from forum.untrusted import for_log

logger = logging.getLogger(__name__)

VERB_KEY = "verb"
_VERB_SHAPE = re.compile(r"[a-z][a-z0-9_./-]{0,63}")


def verb_for_log(verb: object) -> str:
    """A verb for a log line: as given when it is shaped like one, else only that it is not
    (an unknown verb is card data someone typed or forged: it stays out of the log)."""
    return for_log(verb) if isinstance(verb, str) and _VERB_SHAPE.fullmatch(verb) else "(not a verb)"


class BadCardData(ValueError):
    """Raised by a handler for card data it cannot use (a forged, stale or garbled card).

    Why an exception: the answer differs by how the button came: an Execute gets an invoke
    error response (``application/vnd.microsoft.error``: Teams shows the text on the card and
    keeps its buttons), a Submit a chat line. Nothing has changed when it is raised.
    """

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


@dataclass(frozen=True)
class CardAction:
    verb: str
    data: dict[str, Any]


def read_action(value: Any) -> CardAction | None:
    """Parse an ``adaptiveCard/action`` invoke value, which 4.17.1 leaves a dict."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    verb = action.get("verb")
    data = action.get("data") or {}
    if not isinstance(verb, str) or not verb or not isinstance(data, dict):
        return None
    return CardAction(verb, data)


class CardActionRouter:
    """Verb → handler, and the refusals every button answers the same way.

    A refusal (the domain raising, say, ``NotCoordinatorError``) is answered
    here with one sentence and no card, so a handler catches only the errors
    it answers differently. The domain's transaction has rolled back by then:
    nothing changed.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, CardActionHandler] = {}
        self._refusals: dict[type[Exception], str] = {}

    def register(self, verb: str, handler: CardActionHandler) -> None:
        if verb in self._handlers:
            raise ValueError(f"card verb {verb!r} registered twice")
        self._handlers[verb] = handler

    def knows(self, verb: str) -> bool:
        return verb in self._handlers

    @property
    def verbs(self) -> tuple[str, ...]:
        """Every registered verb (the permission and fuzz tests press each one)."""
        return tuple(self._handlers)

    def refuse(self, error: type[Exception], message_key: str) -> None:
        """Answer ``error`` from any button with the text of ``message_key``."""
        self._refusals[error] = message_key

    async def _run(
        self, handler: CardActionHandler, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Run ``handler``; refusals are answered here, ``BadCardData`` goes to the caller."""
        try:
            return await handler(turn_context, turn, data)
        except tuple(self._refusals) as error:
            key = next(key for kind, key in self._refusals.items() if isinstance(error, kind))
            logger.info("card action refused: %s", type(error).__name__)
            await turn_context.send_activity(tr(turn.locale, key))
            return None

    async def handle_execute(
        self, turn_context: TurnContext, turn: TurnInfo, verb: str, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Action.Execute: the card replacing the presser's view, or None; raises ``BadCardData``."""
        handler = self._handlers.get(verb)
        if handler is None:
            logger.warning("unknown card verb %s", verb_for_log(verb))
            await turn_context.send_activity(tr(turn.locale, "unknown.hint"))
            return None
        return await self._run(handler, turn_context, turn, data)

    async def handle_submit(self, turn_context: TurnContext, turn: TurnInfo, value: dict[str, Any]) -> None:
        """Action.Submit: same handler; a returned card replaces the card that was
        pressed (``replyToId`` names it), as Execute would, or else is sent anew."""
        verb = value.get(VERB_KEY)
        if not isinstance(verb, str) or verb not in self._handlers:
            logger.warning("card submit without a known verb: %s", verb_for_log(verb))
            await turn_context.send_activity(tr(turn.locale, "unknown.hint"))
            return
        try:
            card = await self._run(self._handlers[verb], turn_context, turn, value)
        except BadCardData as error:
            logger.info("card data refused: %s", verb_for_log(verb))
            await turn_context.send_activity(tr(turn.locale, error.message_key))
            return
        if card is None:
            return
        if not turn.is_personal:
            # A Submit replacing the pressed card in a channel would replace it for everyone
            # (anyone could forge one against the announcement); only an Execute returns a
            # card that replaces the presser's own view.
            logger.info("card from a shared conversation's Submit not shown: %s", verb_for_log(verb))
            return
        replacement = card_activity(card)
        pressed = turn_context.activity.reply_to_id
        if pressed:
            replacement.id = pressed
            await turn_context.update_activity(replacement)
        else:
            await turn_context.send_activity(replacement)
