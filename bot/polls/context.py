"""The one place the poll feature plugs into the bot: its commands, card verbs, job kind,
renderers and personal-data provider, started by ``polls_context`` after ``delivery_context``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.components import BOT, DATABASE, SETTINGS, SIGNER
from bot.delivery.context import DELIVERY, Delivery
from bot.handler import ForumBot
from bot.polls.buttons import PollButtons
from bot.polls.commands import PollCommands, PollFeatureParts
from cards.polls.actions import VERB_ANSWER, VERB_DISCARD, VERB_MINE, VERB_POST, VERB_REFRESH
from cards.polls.activities import PollCards
from forum.i18n import N_
from forum.people.personal_data import PersonalDataRegistry
from forum.polls.copies import FORGET_NUDGES_JOB, NUDGE_JOB, forget_nudges_job, nudge_job
from forum.polls.links import PollLinks
from forum.polls.messages import poll_renderers
from forum.polls.model import NotPollMemberError, PollNotFoundError
from forum.polls.personal_data import PollsData
from forum.polls.service import CLOSE_JOB, PollService, close_job

logger = logging.getLogger(__name__)

POLLS = web.AppKey("polls", PollFeatureParts)


def register_poll_features(bot: ForumBot, delivery: Delivery, parts: PollFeatureParts) -> None:
    commands = PollCommands(parts)
    bot.register_command("polls", commands.list_polls)
    bot.register_command("poll_new", commands.new_poll)
    bot.register_command("poll_start", commands.start_poll)
    bot.register_command("poll_close", commands.close_poll)
    bot.register_command("poll_results", commands.show_results)
    bot.register_command("poll_export", commands.export_poll)

    buttons = PollButtons(parts)
    bot.card_actions.refuse(PollNotFoundError, N_("poll.gone"))
    bot.card_actions.refuse(NotPollMemberError, N_("poll.refused.not_member"))
    bot.card_actions.register(VERB_ANSWER, buttons.answer)
    bot.card_actions.register(VERB_REFRESH, buttons.refresh)
    bot.card_actions.register(VERB_MINE, buttons.mine)
    bot.card_actions.register(VERB_POST, buttons.post)
    bot.card_actions.register(VERB_DISCARD, buttons.discard)

    delivery.jobs.register(CLOSE_JOB, close_job)
    delivery.jobs.register(NUDGE_JOB, nudge_job)
    delivery.jobs.register(FORGET_NUDGES_JOB, forget_nudges_job)
    for purpose, render in poll_renderers(PollCards(), parts.links).items():
        delivery.renderers.register(purpose, render)


def declare_poll_tables(registry: PersonalDataRegistry) -> None:
    registry.register(PollsData())
    registry.declare_no_personal_data(
        "poll", "a poll's definition, state and (while an anonymous poll is open) the key of its voter hashes"
    )
    registry.declare_no_personal_data("poll_question", "a poll's questions, written by coordinators")
    registry.declare_no_personal_data("poll_baseline", "an earlier round's mean and count per statement")


async def polls_context(app: web.Application) -> AsyncIterator[None]:
    delivery = app[DELIVERY]
    parts = PollFeatureParts(
        service=PollService(app[DATABASE].sessions),
        links=PollLinks(app[SETTINGS].public_base_url, app[SIGNER]),
        kick=delivery.kick,
    )
    register_poll_features(app[BOT].bot, delivery, parts)
    declare_poll_tables(app[BOT].personal_data)
    app[POLLS] = parts
    logger.info("polls feature registered")
    yield
