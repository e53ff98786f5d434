"""The coordinators' ``status`` command: what the outbox delivered and what it could not."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.turn import TurnInfo, send_card
from cards.delivery.status import delivery_status_card
from forum.delivery.outbox import delivery_summary
from forum.i18n import tr

logger = logging.getLogger(__name__)


class DeliveryCommands:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def status(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        """Coordinators only (the command spec says so; the handler checks before calling)."""
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        async with self._sessions() as session:
            summary = await delivery_summary(session, turn.forum_id)
        await send_card(turn_context, delivery_status_card(turn.locale, summary, turn.time_zone))
