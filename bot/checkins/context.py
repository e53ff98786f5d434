"""The one place the check-ins feature plugs into the bot: its commands, card verbs, job kinds,
renderers, the typed dialog, the programme hook and its personal data; started by
``checkins_context`` after ``meetings_context`` (it reads the programme)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from botbuilder.core import TurnContext

from bot.checkins.buttons import CheckinButtons
from bot.checkins.commands import CHECKIN_COMMANDS, CheckinCommands
from bot.checkins.replies import CheckinFeatureParts
from bot.components import BOT, DATABASE
from bot.delivery.context import DELIVERY, Delivery
from bot.handler import ForumBot
from bot.meetings.context import MEETINGS
from bot.turn import TurnInfo
from cards.checkins.actions import (
    VERB_AWAY,
    VERB_DIGEST_MORE,
    VERB_EXPERIMENT_REMOVE,
    VERB_MEMBER_CONFIRM,
    VERB_NOTHING,
    VERB_PROJECT_SAVE,
    VERB_REPLY,
    VERB_SAVE,
    VERB_TYPE,
)
from cards.checkins.activities import CheckinCards
from forum.checkins.messages import checkin_renderers
from forum.checkins.personal_data import CheckinsData
from forum.checkins.programme_section import register_programme_section
from forum.checkins.rounds import checkin_job_handlers, sync_rounds
from forum.checkins.service import CheckinService

if TYPE_CHECKING:
    from dialogs.checkin import CheckinDialog

logger = logging.getLogger(__name__)

CHECKINS = web.AppKey("checkins", CheckinFeatureParts)
NO_PERSONAL_DATA = {
    "checkin_settings": "a forum's round rules: offsets, nudge days, holiday months",
    "checkin_round": "when each round opens and closes, and the meeting it leads to",
    "checkin_pair": "which museum is which museum's critical friend",
}


class LazyCheckinDialog:
    """The typed check-in, built the first time someone types one.

    Why lazy: ``dialogs.checkin`` pulls in ``botbuilder.dialogs`` and, through its
    prompts, the Recognizers-Text packages (number, date-time, choice, their emoji
    and regex tables): about 19 MiB of the process's memory, in every replica, for
    a dialog that a few people run a few times a month. Every other turn only asks
    "is a typed check-in waiting?", which the person's ``typed_dialog`` flag answers
    (the same first check ``CheckinDialog.intercept`` makes), so it never imports them.
    """

    def __init__(self, build: Callable[[], CheckinDialog]) -> None:
        self._build = build
        self._dialog: CheckinDialog | None = None

    def _built(self) -> CheckinDialog:
        if self._dialog is None:
            self._dialog = self._build()
            logger.info("typed check-in dialog loaded")
        return self._dialog

    async def start(self, turn_context: TurnContext, turn: TurnInfo, round_id: int | None) -> None:
        await self._built().start(turn_context, turn, round_id)

    async def intercept(self, turn_context: TurnContext, turn: TurnInfo, text: str) -> bool:
        if self._dialog is None and (not turn.is_personal or not turn.actor.person.typed_dialog):
            return False  # no typed check-in waits for this person: nothing to load
        return await self._built().intercept(turn_context, turn, text)


def register_checkin_features(bot: ForumBot, delivery: Delivery, parts: CheckinFeatureParts) -> CheckinCommands:
    """Plug the check-ins in: commands, card verbs, job kinds, message renderers."""
    bot.add_commands(CHECKIN_COMMANDS)
    commands = CheckinCommands(parts)
    bot.register_command("checkin", commands.checkin)
    bot.register_command("checkin_open", commands.open_round)
    bot.register_command("checkin_settings", commands.settings)
    bot.register_command("overview", commands.overview)
    bot.register_command("mute", commands.mute)
    bot.register_command("pair", commands.pair)
    bot.register_command("pairs_rotate", commands.rotate)
    bot.register_command("pairs", commands.pairs)
    bot.register_command("project", commands.project)

    buttons = CheckinButtons(parts)
    bot.card_actions.register(VERB_SAVE, buttons.save)
    bot.card_actions.register(VERB_NOTHING, buttons.nothing)
    bot.card_actions.register(VERB_AWAY, buttons.away)
    bot.card_actions.register(VERB_TYPE, buttons.type_instead)
    bot.card_actions.register(VERB_DIGEST_MORE, buttons.digest_more)
    bot.card_actions.register(VERB_REPLY, buttons.reply)
    bot.card_actions.register(VERB_PROJECT_SAVE, buttons.project_save)
    bot.card_actions.register(VERB_EXPERIMENT_REMOVE, buttons.experiment_remove)
    bot.card_actions.register(VERB_MEMBER_CONFIRM, buttons.member_confirm)

    for kind, handler in checkin_job_handlers().items():
        delivery.jobs.register(kind, handler)
    for purpose, render in checkin_renderers(CheckinCards()).items():
        delivery.renderers.register(purpose, render)
    logger.info("check-ins feature registered")
    return commands


async def checkins_context(app: web.Application) -> AsyncIterator[None]:
    delivery = app[DELIVERY]
    service = CheckinService(app[DATABASE].sessions)
    parts = CheckinFeatureParts(service=service, kick=delivery.kick)

    def build_dialog() -> CheckinDialog:
        from dialogs.checkin import CheckinDialog  # lazy: see LazyCheckinDialog

        return CheckinDialog(app[BOT].conversation_state, service, delivery.kick, app[BOT].roster.mark_typed_dialog)

    dialog = LazyCheckinDialog(build_dialog)
    parts.start_dialog = dialog.start
    bot = app[BOT].bot
    register_checkin_features(bot, delivery, parts)
    bot.register_interceptor(dialog.intercept)
    app[MEETINGS].hooks.register("checkins", sync_rounds)
    register_programme_section(app[MEETINGS].hooks)
    app[BOT].personal_data.register(CheckinsData())
    for table, reason in NO_PERSONAL_DATA.items():
        app[BOT].personal_data.declare_no_personal_data(table, reason)
    app[CHECKINS] = parts
    yield
