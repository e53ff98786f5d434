"""Commands about people: choosing one's language, promoting a coordinator."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bot.references import member_of, tenant_of
from bot.turn import TurnInfo
from forum.i18n import normalize_locale, tr
from forum.people.permissions import NotCoordinatorError
from forum.people.roster import PromotionError, Roster

logger = logging.getLogger(__name__)


class PeopleCommands:
    def __init__(self, roster: Roster) -> None:
        self._roster = roster

    async def change_language(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        locale = normalize_locale(argument.strip())
        if locale is None or len(argument.strip()) > 5:
            await turn_context.send_activity(tr(turn.locale, "language.invalid"))
            return
        activity = turn_context.activity
        await self._roster.set_preferred_locale(member_of(activity.from_property, tenant_of(activity)), locale)
        await turn_context.send_activity(tr(locale, "language.changed"))

    async def add_coordinator(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        target = mentioned_user(turn_context) or argument.strip()
        if not target:
            await turn_context.send_activity(tr(turn.locale, "coordinator.usage"))
            return
        if turn.actor.forum is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        try:
            promoted = await self._roster.promote_to_coordinator(turn.actor, target)
        except NotCoordinatorError:
            await turn_context.send_activity(tr(turn.locale, "refused.coordinator_only"))
        except PromotionError as exc:
            if exc.reason == "ambiguous":
                text = tr(
                    turn.locale, "coordinator.ambiguous", name=argument.strip(), candidates=", ".join(exc.candidates)
                )
            else:
                text = tr(turn.locale, "coordinator.not_found", name=argument.strip())
            await turn_context.send_activity(text)
        else:
            await turn_context.send_activity(tr(turn.locale, "coordinator.promoted", name=promoted.person.name))


def mentioned_user(turn_context: TurnContext) -> str | None:
    """The Teams id of the first @mentioned person who is not the bot.

    The SDK's ``get_mentions`` returns plain ``Entity`` objects (no ``mentioned`` attribute:
    it is in ``additional_properties``), whatever its annotation says.
    """
    activity = turn_context.activity
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in TurnContext.get_mentions(activity):
        mentioned = (getattr(mention, "additional_properties", None) or {}).get("mentioned")
        mentioned_id = mentioned.get("id") if isinstance(mentioned, dict) else None
        if isinstance(mentioned_id, str) and mentioned_id and mentioned_id != bot_id:
            return mentioned_id
    return None
