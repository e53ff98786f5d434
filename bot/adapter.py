"""The CloudAdapter with the bot's one ``on_turn_error``.

Why here: a failing turn must leave nothing half-done in the conversation
(its dialog state is cleared) and must tell the person, in their language,
that it failed, while the log keeps the activity id to find the cause. A turn
that failed because the database is away says so instead ("not saved, try
again in a minute"); neither is ever posted into a channel, where everyone
would read it: in a 1:1 it is a reply, for a card button an invoke answer that
only the person who pressed it sees, in a channel nothing.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from botbuilder.core import ConversationState, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult, ConnectorFactory, JwtTokenValidation

from bot.delivery.outcome_writer import DATABASE_ERRORS
from bot.observability.activity_record import mark_turn_failed
from bot.settings import Settings
from forum.i18n import resolve_locale, tr

logger = logging.getLogger(__name__)


class CachedConnectors(ConnectorFactory):  # type: ignore[misc]
    """One connector client per service URL and audience, kept for the process's life.

    Why: CloudAdapter builds a new ``ConnectorClient`` for every turn, and msrest 0.7's
    client configuration (and the user-token client's, made for every proactive turn)
    alone costs about 10 ms of CPU (its retry policy filters 999
    status codes through a 500-entry list). At 40 calls a second that was a third of a
    core. The older ``BotFrameworkAdapter`` cached its clients the same way; credentials
    refresh their own tokens.
    """

    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str | None], Any]) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = self._cache[key] = await self._inner.create(service_url, audience)
        return client


class ForumAuthentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """The SDK's authentication, handing out cached connector clients (one bot, one app id)."""

    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        self._connectors: dict[tuple[str, str | None], Any] = {}
        self._token_clients: dict[str, Any] = {}

    async def authenticate_request(self, activity: Any, auth_header: str) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = CachedConnectors(result.connector_factory, self._connectors)
        return result

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return CachedConnectors(super().create_connector_factory(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        """Kept per app id, as the connectors: the adapter asks for one in every proactive turn."""
        key = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims) or ""
        client = self._token_clients.get(key)
        if client is None:
            client = self._token_clients[key] = await super().create_user_token_client(claims_identity)
        return client


def bot_framework_authentication(settings: Settings) -> ConfigurationBotFrameworkAuthentication:
    # The SDK's only path without credentials (local mode) is its MultiTenant one; a
    # SingleTenant configuration without an app id raises at start.
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE="MultiTenant" if settings.local_mode else settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    return ForumAuthentication(config)


class ForumAdapter(CloudAdapter):
    def __init__(self, settings: Settings, conversation_state: ConversationState) -> None:
        super().__init__(bot_framework_authentication(settings))
        self._settings = settings
        self._conversation_state = conversation_state
        self.on_turn_error = self._on_turn_error

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
            logger.error(
                "turn failed: activity %s (%s) in conversation %s",
                activity.id,
                activity.type,
                activity.conversation.id if activity.conversation else None,
                exc_info=error,
            )
        locale = resolve_locale(activity.locale, default=self._settings.default_locale)
        if not outage:
            try:
                # BotState.delete pops the cached state without a default (4.17.1),
                # so it raises KeyError when this turn never loaded it: load first.
                await self._conversation_state.load(turn_context)
                await self._conversation_state.delete(turn_context)
            except Exception:
                logger.exception("could not clear conversation state after a failed turn")
        message = tr(locale, "error.database") if outage else tr(locale, "error.generic")
        try:
            if activity.type == "invoke":
                # Only the person who pressed the button sees an invoke's answer.
                await turn_context.send_activity(
                    Activity(
                        type=ActivityTypes.invoke_response,
                        value=InvokeResponse(status=200, body=_invoke_message(message)),
                    )
                )
            elif activity.type == "message" and _is_personal(activity):
                await turn_context.send_activity(message)
            # In a channel or group chat everyone would read it: nothing is posted there.
        except Exception:
            logger.exception("could not tell the user that the turn failed")


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return (conversation.conversation_type if conversation is not None else None) in (None, "personal")


def _invoke_message(message: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": message}
