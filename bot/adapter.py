"""The CloudAdapter with the bot's one ``on_turn_error``.

Why here: a failing turn must leave nothing half-done in the conversation
(its dialog state is cleared) and must tell the person, in their language,
that it failed, while the log keeps the activity id to find the cause.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from botbuilder.core import ConversationState, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.auth import SigningKeyStore, authenticate
from bot.observability.activity_record import mark_turn_failed
from bot.settings import Settings
from forum.i18n import resolve_locale, tr

logger = logging.getLogger(__name__)


def bot_framework_authentication(settings: Settings) -> ConfigurationBotFrameworkAuthentication:
    # The SDK's only path without credentials (local mode) is its MultiTenant one; a
    # SingleTenant configuration without an app id raises at start.
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE="MultiTenant" if settings.local_mode else settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    return ConfigurationBotFrameworkAuthentication(config)


class ForumAdapter(CloudAdapter):
    def __init__(self, settings: Settings, conversation_state: ConversationState) -> None:
        authentication = bot_framework_authentication(settings)
        super().__init__(authentication)
        self._authentication = authentication
        self.signing_keys = SigningKeyStore()
        """This app's OpenID signing keys (see ``bot/auth.py``); tests swap its ``fetch``."""
        self._settings = settings
        self._conversation_state = conversation_state
        self.on_turn_error = self._on_turn_error

    async def authenticate(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        """Validate the request's token; raises ``Unauthorized`` or ``SigningKeysUnavailable``."""
        return await authenticate(self._authentication, self.signing_keys, activity, auth_header)

    async def _on_turn_error(self, turn_context: TurnContext, error: Exception) -> None:
        activity = turn_context.activity
        mark_turn_failed()
        logger.error(
            "turn failed: activity %s (%s) in conversation %s",
            activity.id,
            activity.type,
            activity.conversation.id if activity.conversation else None,
            exc_info=error,
        )
        locale = resolve_locale(activity.locale, default=self._settings.default_locale)
        try:
            # BotState.delete pops the cached state without a default (4.17.1),
            # so it raises KeyError when this turn never loaded it: load first.
            await self._conversation_state.load(turn_context)
            await self._conversation_state.delete(turn_context)
        except Exception:
            logger.exception("could not clear conversation state after a failed turn")
        if activity.type == "message" or activity.type == "invoke":
            try:
                await turn_context.send_activity(tr(locale, "error.generic"))
            except Exception:
                logger.exception("could not tell the user that the turn failed")
