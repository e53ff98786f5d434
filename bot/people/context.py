"""The people's data, plugged in: the people wing's own provider, the privacy commands and
buttons, and the daily retention job, started by ``privacy_context`` after
``delivery_context`` (the job kind goes on its registry).

Other wings register their providers on ``app[BOT].personal_data`` from their own
``*_context``; this module knows none of them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from bot.components import BOT, DATABASE, SETTINGS, SIGNER
from bot.delivery.context import DELIVERY
from bot.handler import ForumBot
from bot.people.privacy import PrivacyCommands
from bot.settings import Settings
from cards.people.privacy import VERB_FORGET_CANCEL, VERB_FORGET_CONFIRM, retention_notice
from forum.delivery.jobs import JobRegistry
from forum.i18n import N_
from forum.people.personal_data import PersonalDataRegistry
from forum.people.privacy import NoSuchMemberError, PrivacyService
from forum.people.profile_data import PeopleData
from forum.people.retention import JOB_KIND, RetentionPolicy, ensure_retention_job, retention_job_handler
from storage import roster_repository
from storage.types import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrivacyParts:
    service: PrivacyService
    commands: PrivacyCommands


PRIVACY = web.AppKey("privacy", PrivacyParts)


def declare_people_tables(registry: PersonalDataRegistry) -> None:
    registry.register(PeopleData())
    registry.declare_no_personal_data(
        "forum", "the team: its name, language, time zone and the bot's reference to its channel (no user in it)"
    )
    registry.declare_no_personal_data("museum", "museums' names: organisations, not people")
    registry.declare_no_personal_data("app_secret", "the bot's own keys")
    registry.declare_no_personal_data(
        "inbound_activity", "hashes of activity ids already handled, kept a day: no id or name readable"
    )


def register_privacy_features(
    bot: ForumBot, jobs: JobRegistry, registry: PersonalDataRegistry, commands: PrivacyCommands, settings: Settings
) -> None:
    bot.register_command("privacy", commands.notice)
    bot.register_command("my_data", commands.my_data)
    bot.register_command("forget_me", commands.forget_me)
    bot.register_command("forget_member", commands.forget_member)
    bot.card_actions.refuse(NoSuchMemberError, N_("forget.member.gone"))
    bot.card_actions.register(VERB_FORGET_CONFIRM, commands.confirm_forget)
    bot.card_actions.register(VERB_FORGET_CANCEL, commands.cancel_forget)
    policy = RetentionPolicy(
        leaver_days=settings.leaver_retention_days,
        forum_months=settings.forum_retention_months,
        configured_coordinators=settings.coordinators,
    )
    jobs.register(JOB_KIND, retention_job_handler(registry, policy, retention_notice))


async def privacy_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    database = app[DATABASE]
    registry = app[BOT].personal_data
    declare_people_tables(registry)
    service = PrivacyService(database.sessions, registry, app[SIGNER])
    commands = PrivacyCommands(service, settings, kick=app[DELIVERY].kick)
    register_privacy_features(app[BOT].bot, app[DELIVERY].jobs, registry, commands, settings)
    # Forums registered before retention existed get their first daily run now.
    async with database.sessions() as session, session.begin():
        for forum in await roster_repository.all_forums(session):
            await ensure_retention_job(session, forum, utcnow())
    app[PRIVACY] = PrivacyParts(service=service, commands=commands)
    logger.info("privacy feature registered")
    yield
