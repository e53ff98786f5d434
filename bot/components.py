"""Builds the bot's long-lived parts from settings, and starts and stops them.

Each ``*_context`` is an aiohttp ``cleanup_ctx``: what starts before the
``yield`` is stopped after it, in reverse order, when the server stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ConversationState
from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.adapter import ForumAdapter
from bot.handler import ForumBot
from bot.inbound import InboundActivities
from bot.logging_setup import silence_known_sdk_noise
from bot.model_codec import ModelCodec
from bot.people.commands import PeopleCommands
from bot.settings import Settings
from bot.sql_storage import SqlStorage
from forum.people.personal_data import PersonalDataRegistry
from forum.people.roster import Roster
from forum.signing import LinkSigner
from storage.database import create_engine, create_session_factory
from storage.migrate import upgrade_to_head
from storage.secrets_repository import get_or_create_secret
from storage.state_store import StateStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class BotParts:
    roster: Roster
    conversation_state: ConversationState
    adapter: ForumAdapter
    bot: ForumBot
    personal_data: PersonalDataRegistry
    """Each wing registers its personal-data provider here from its ``*_context``."""
    inbound: InboundActivities
    """Activities already handled: a redelivery is not handled twice."""
    activity_codec: ModelCodec
    """Reads incoming activities; one for the process, so its per-class plans are made once."""


SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
BOT = web.AppKey("bot", BotParts)
SIGNER = web.AppKey("signer", LinkSigner)
"""Signs short-lived links (the "my data" download; a poll's export may use it too)."""
LINK_SECRET_NAME = "link_signing"


def build_bot(settings: Settings, database: Database) -> BotParts:
    conversation_state = ConversationState(SqlStorage(StateStore(database.sessions)))
    roster = Roster(database.sessions, settings.coordinators)
    adapter = ForumAdapter(settings, conversation_state)
    bot = ForumBot(roster, conversation_state, settings.default_locale, settings.timezone)
    people = PeopleCommands(roster)
    bot.register_command("language", people.change_language)
    bot.register_command("coordinator_add", people.add_coordinator)
    return BotParts(
        roster=roster,
        conversation_state=conversation_state,
        adapter=adapter,
        bot=bot,
        personal_data=PersonalDataRegistry(),
        inbound=InboundActivities(database.sessions),
        activity_codec=ModelCodec(Activity._infer_class_models()),
    )


async def database_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = create_engine(settings.database_url)
    await upgrade_to_head(engine)
    app[DATABASE] = Database(engine, create_session_factory(engine))
    yield
    await engine.dispose()


async def signing_context(app: web.Application) -> AsyncIterator[None]:
    """The link-signing key: ``LINK_SIGNING_SECRET``, or one generated on first start and kept
    in the database, so links survive restarts and work on every replica."""
    secret = app[SETTINGS].link_signing_secret
    if not secret:
        async with app[DATABASE].sessions() as session, session.begin():
            secret = await get_or_create_secret(session, LINK_SECRET_NAME)
    app[SIGNER] = LinkSigner(secret.encode("utf-8"))
    yield


async def bot_context(app: web.Application) -> AsyncIterator[None]:
    silence_known_sdk_noise()  # the bot's own turns, also where configure_logging did not run (tests)
    app[BOT] = build_bot(app[SETTINGS], app[DATABASE])
    yield
    app[BOT].adapter.signing_keys.close()
