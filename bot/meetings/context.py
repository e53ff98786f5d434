"""The one place the meetings feature plugs into the bot: its text commands, its
card verbs and its job kinds (``register_meeting_features``), started by
``meetings_context`` after ``delivery_context``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.components import BOT, DATABASE, SETTINGS
from bot.delivery.context import DELIVERY, Delivery
from bot.handler import ForumBot
from bot.meetings.buttons import MeetingButtons
from bot.meetings.commands import MeetingCommands
from bot.meetings.replies import MeetingFeatureParts
from cards.meetings.actions import (
    VERB_CANCEL_CONFIRM,
    VERB_DISCARD,
    VERB_EDIT,
    VERB_FORM_CLOSE,
    VERB_POST,
    VERB_REFRESH,
    VERB_RSVP,
    VERB_SAVE,
)
from cards.meetings.activities import MeetingCards
from forum.i18n import N_
from forum.meetings.hooks import ProgrammeHooks
from forum.meetings.messages import meeting_renderers
from forum.meetings.model import MeetingNotFoundError
from forum.meetings.personal_data import MeetingsData
from forum.meetings.schedule import meeting_job_handlers
from forum.meetings.service import MeetingService

logger = logging.getLogger(__name__)

MEETINGS = web.AppKey("meetings", MeetingFeatureParts)


def register_meeting_features(bot: ForumBot, delivery: Delivery, parts: MeetingFeatureParts) -> MeetingCommands:
    """Plug the meetings feature in: commands, card verbs, job kinds, message renderers."""
    commands = MeetingCommands(parts)
    bot.register_command("meetings", commands.list_meetings)
    bot.register_command("meeting_add", commands.add_meeting)
    bot.register_command("meeting_edit", commands.edit_meeting)
    bot.register_command("meeting_cancel", commands.cancel_meeting)
    bot.register_command("announce", commands.announce)
    bot.register_command("rsvp_names", commands.rsvp_names)

    buttons = MeetingButtons(parts)
    bot.card_actions.refuse(MeetingNotFoundError, N_("meeting.gone"))
    bot.card_actions.register(VERB_RSVP, buttons.rsvp)
    bot.card_actions.register(VERB_REFRESH, buttons.refresh)
    bot.card_actions.register(VERB_POST, buttons.post)
    bot.card_actions.register(VERB_EDIT, buttons.edit)
    bot.card_actions.register(VERB_DISCARD, buttons.discard)
    bot.card_actions.register(VERB_SAVE, buttons.save)
    bot.card_actions.register(VERB_FORM_CLOSE, buttons.close_form)
    bot.card_actions.register(VERB_CANCEL_CONFIRM, buttons.confirm_cancel)

    for kind, handler in meeting_job_handlers().items():
        delivery.jobs.register(kind, handler)
    for purpose, render in meeting_renderers(parts.cards).items():
        delivery.renderers.register(purpose, render)
    logger.info("meetings feature registered")
    return commands


async def meetings_context(app: web.Application) -> AsyncIterator[None]:
    """The meetings feature, after ``delivery_context``: it queues through the outbox
    and registers its job kinds with the dispatcher."""
    delivery = app[DELIVERY]
    cards = MeetingCards(app[SETTINGS].public_base_url)
    hooks = ProgrammeHooks()
    parts = MeetingFeatureParts(
        service=MeetingService(app[DATABASE].sessions, quiet_default=app[SETTINGS].quiet_hours, hooks=hooks),
        cards=cards,
        kick=delivery.kick,
        kick_soon=delivery.kick_soon,
        hooks=hooks,
    )
    register_meeting_features(app[BOT].bot, delivery, parts)
    app[BOT].personal_data.register(MeetingsData())
    app[BOT].personal_data.declare_no_personal_data(
        "meeting", "the programme: themes, times, host museums and venues, written by coordinators"
    )
    app[MEETINGS] = parts
    yield
