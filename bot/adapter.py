"""The CloudAdapter with the bot's one ``on_turn_error``.

Why here: a failing turn must leave nothing half-done in the conversation
(its dialog state is cleared) and must tell the person, in their language,
that it failed, while the log keeps the activity id to find the cause. A turn
that failed because the database is away says so instead ("not saved, try
again in a minute"); neither is posted into a channel or group chat, where
everyone would read it: a 1:1 reply, or the invoke's answer to the presser.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any

from botbuilder.core import ConversationState, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from msrest.exceptions import ClientRequestError

from bot.auth import SigningKeyStore, authenticate
from bot.card_serializer import pass_cards_through
from bot.connector_clients import CachingBotFrameworkAuthentication
from bot.delivery.outcome_writer import DATABASE_ERRORS
from bot.observability.activity_record import mark_turn_failed
from bot.settings import Settings
from bot.turn import invoke_message
from bot.turn_context import ForumTurnContext
from forum.i18n import resolve_locale, tr

logger = logging.getLogger(__name__)


# Teams gives up on a bot that has not answered /api/messages in ~15 s. A turn makes at most a
# few Bot Connector calls (look the sender up, reply), so each call is bounded: 2 s to connect,
# 5 s to read, and no retry inside the call (msrest's default is 3 retries with backoff on
# connection errors and 5xx, ~10 s against an unreachable serviceUrl). Retrying is the outbox
# worker's job, with its own backoff and time limit; nothing retries a reply once the turn answered.
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 5.0


class BoundedConnectorFactory(ConnectorFactory):
    """The SDK's connector factory, with every client's timeouts bounded and its retries off."""

    def __init__(self, inner: ConnectorFactory) -> None:
        self._inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        client = await self._inner.create(service_url, audience)
        client.config.connection.timeout = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
        # No retries: a transport error fails at once (as msrest's ClientRequestError, which the
        # outbox counts as transient), every response (5xx too) comes back as it came, so the
        # caller sees Teams' own status code. In place: the client's requests session already
        # holds this very Retry object (msrest applies it when the sender is built).
        policy = client.config.retry_policy.policy
        policy.total = policy.connect = policy.read = policy.status = 0
        policy.status_forcelist = frozenset()
        return pass_cards_through(client)


class BoundedBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The configuration-based authentication whose connector factory is bounded."""

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """Proactive sends (the outbox worker) get their clients here."""
        return BoundedConnectorFactory(super().create_connector_factory(claims_identity))

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """Turns get their clients from the factory the authentication result carries."""
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = BoundedConnectorFactory(result.connector_factory)
        return result


def _connector_unreachable(error: BaseException) -> ClientRequestError | None:
    """The transport failure (refused, timed out, DNS) behind ``error``, if that is what it was."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ClientRequestError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _cause(error: BaseException) -> str:
    """The innermost reason in one line, e.g. ``ConnectionRefusedError: [Errno 111] ...``."""
    inner = error
    while inner.__cause__ is not None or inner.__context__ is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    return f"{type(inner).__name__}: {inner}".splitlines()[0][:300]


def bot_framework_authentication(settings: Settings) -> ConfigurationBotFrameworkAuthentication:
    # The SDK's only path without credentials (local mode) is its MultiTenant one; a
    # SingleTenant configuration without an app id raises at start.
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE="MultiTenant" if settings.local_mode else settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    return BoundedBotFrameworkAuthentication(config)


class ForumAdapter(CloudAdapter):
    def __init__(self, settings: Settings, conversation_state: ConversationState) -> None:
        # Connector and user-token clients built once per service URL and app id, not per turn.
        self.authentication = CachingBotFrameworkAuthentication(bot_framework_authentication(settings))
        super().__init__(self.authentication)
        self.signing_keys = SigningKeyStore()
        """This app's OpenID signing keys (see ``bot/auth.py``); tests swap its ``fetch``."""
        self._settings = settings
        self._conversation_state = conversation_state
        self.on_turn_error = self._on_turn_error

    def _create_turn_context(
        self,
        activity: Activity,
        claims_identity: ClaimsIdentity,
        oauth_scope: str,
        connector_client: ConnectorClient,
        user_token_client: UserTokenClient,
        logic: Callable[[TurnContext], Awaitable[Any]],
        connector_factory: ConnectorFactory,
    ) -> TurnContext:
        """The SDK's own (4.17.1), with ``ForumTurnContext``: no deep copy of each card sent."""
        context = ForumTurnContext(self, activity)
        context.turn_state[self.BOT_IDENTITY_KEY] = claims_identity
        context.turn_state[self.BOT_CONNECTOR_CLIENT_KEY] = connector_client
        context.turn_state[self.USER_TOKEN_CLIENT_KEY] = user_token_client
        context.turn_state[self.BOT_CALLBACK_HANDLER_KEY] = logic
        context.turn_state[self.CONNECTOR_FACTORY_KEY] = connector_factory
        context.turn_state[self.BOT_OAUTH_SCOPE_KEY] = oauth_scope
        return context

    async def authenticate(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """Validate the request's token; raises ``Unauthorized`` or ``SigningKeysUnavailable``."""
        return await authenticate(self.authentication, self.signing_keys, activity, auth_header)

    async def _on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        activity = turn_context.activity
        outage = isinstance(error, DATABASE_ERRORS)
        if outage:
            # Not a defect: the database is away. The person is told, nothing was saved.
            logger.warning(
                "turn not saved, database unreachable: activity %s (%s): %s",
                activity.id,
                activity.type,
                type(error).__name__,
            )
        else:
            mark_turn_failed()
            unreachable = _connector_unreachable(error)
            if unreachable is not None:
                # The Bot Connector could not be reached: one line, not a traceback per try, and no
                # "something went wrong" reply, which would only wait for the same timeout again.
                logger.error(
                    "turn failed: activity %s (%s): Bot Connector at %s unreachable: %s",
                    activity.id,
                    activity.type,
                    activity.service_url,
                    _cause(unreachable),
                )
                await self._clear_state(turn_context)
                return
            logger.error(
                "turn failed: activity %s (%s) in conversation %s",
                activity.id,
                activity.type,
                activity.conversation.id if activity.conversation else None,
                exc_info=error,
            )
            await self._clear_state(turn_context)
        locale = resolve_locale(activity.locale, default=self._settings.default_locale)
        message = tr(locale, "error.database") if outage else tr(locale, "error.generic")
        try:
            if activity.type == "invoke":
                # Answered to the presser as the invoke's error, never posted in the channel; and
                # never the SDK's bare 501 for an invoke that got no response.
                await turn_context.send_activity(_invoke_error(message))
            elif activity.type == "message" and _is_personal(activity):
                await turn_context.send_activity(message)
            # In a channel or group chat everyone would read it: nothing is posted there.
        except Exception:
            logger.exception("could not tell the user that the turn failed")

    async def _clear_state(self, turn_context: TurnContext) -> None:
        try:
            # BotState.delete pops the cached state without a default (4.17.1),
            # so it raises KeyError when this turn never loaded it: load first.
            await self._conversation_state.load(turn_context)
            await self._conversation_state.delete(turn_context)
        except Exception:
            logger.exception("could not clear conversation state after a failed turn")


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return (conversation.conversation_type if conversation is not None else None) in (None, "personal")


def _invoke_error(message: str) -> Activity:
    body = invoke_message(500, "InternalServerError", message)
    return Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=int(HTTPStatus.OK), body=body))
