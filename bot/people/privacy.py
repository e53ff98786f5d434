"""The privacy commands and buttons: the notice, "my data", "forget me", a coordinator's erasure.

Why "my data" and "forget me" answer only in the 1:1 chat: the card lists what the bot
holds about the person, and a confirmation card in the channel could be pressed by anyone.
The confirmation carries the person's id and is checked again on the press: one's own id
erases oneself, anyone else's needs a coordinator of that person's forum.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext

from bot.card_actions import BadCardData
from bot.people.commands import mentioned_user
from bot.settings import Settings
from bot.turn import TurnInfo, send_card
from cards.people.privacy import (
    forget_cancelled_card,
    forget_confirm_card,
    forget_done_card,
    my_data_card,
    person_id_of,
    privacy_card,
)
from forum.i18n import N_, tr
from forum.people.privacy import EXPORT_LIFETIME, NoSuchMemberError, PrivacyService
from storage.types import utcnow

logger = logging.getLogger(__name__)

EXPORT_PATH = "/privacy/export"
NOTICE_PATH = "/privacy"


class PrivacyCommands:
    def __init__(
        self,
        service: PrivacyService,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        kick: Callable[[], None] | None = None,
    ) -> None:
        self._service = service
        self._kick = kick
        # sends what erasure queued (an open poll's recounted card) now, not at the next tick
        self._settings = settings
        self._base = settings.public_base_url.rstrip("/")
        self._clock = clock

    async def notice(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        card = privacy_card(
            turn.locale,
            f"{self._base}{NOTICE_PATH}",
            self._settings.privacy_contact,
            leaver_days=self._settings.leaver_retention_days,
            forum_months=self._settings.forum_retention_months,
        )
        await send_card(turn_context, card)

    async def my_data(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        if not turn.is_personal:
            await turn_context.send_activity(tr(turn.locale, "privacy.personal_only"))
            return
        export = await self._service.my_data(turn.actor.person.id)
        token = self._service.download_token(turn.actor, self._clock())
        minutes = int(EXPORT_LIFETIME.total_seconds() // 60)
        await send_card(turn_context, my_data_card(turn.locale, export, f"{self._base}{EXPORT_PATH}/{token}", minutes))

    async def forget_me(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        if not turn.is_personal:
            await turn_context.send_activity(tr(turn.locale, "privacy.personal_only"))
            return
        card = forget_confirm_card(turn.locale, self._service.descriptions, turn.actor.person.id)
        await send_card(turn_context, card)

    async def forget_member(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        """Coordinators only (the command spec says so): erase a member who asked by other means."""
        if not turn.is_personal:
            await turn_context.send_activity(tr(turn.locale, "privacy.personal_only"))
            return
        target = mentioned_user(turn_context) or argument.strip()
        if not target:
            await turn_context.send_activity(tr(turn.locale, "forget.member.usage"))
            return
        try:
            member = await self._service.member_to_forget(turn.actor, target)
        except NoSuchMemberError as exc:
            key = N_("forget.member.ambiguous") if exc.candidates else N_("forget.member.not_found")
            await turn_context.send_activity(tr(turn.locale, key, name=target, candidates=", ".join(exc.candidates)))
            return
        card = forget_confirm_card(turn.locale, self._service.descriptions, member.person_id, name=member.name)
        await send_card(turn_context, card)

    async def confirm_forget(
        self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        person_id = person_id_of(data)
        if person_id is None:
            raise BadCardData(N_("unknown.hint"))
        if person_id == turn.actor.person.id:
            await self._service.forget_me(turn.actor)
            self._kick_delivery()
            return forget_done_card(turn.locale)
        forgotten = await self._service.forget_member(turn.actor, person_id)
        self._kick_delivery()
        return forget_done_card(turn.locale, name=forgotten.name)

    def _kick_delivery(self) -> None:
        if self._kick is not None:
            self._kick()

    async def cancel_forget(
        self, _turn_context: TurnContext, turn: TurnInfo, _data: dict[str, Any]
    ) -> dict[str, Any] | None:
        return forget_cancelled_card(turn.locale)
