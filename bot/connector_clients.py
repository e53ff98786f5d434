"""The SDK's connector and user-token clients, built once per service URL and app identity.

Why: botbuilder 4.17.1 builds a new msrest ``ConnectorClient`` and a new
``TokenApiClient`` for every turn and every proactive send. Each builds an
msrest configuration whose ``ClientRetryPolicy.__init__`` makes a urllib3
``Retry`` over a thousand status codes: about 5 ms of CPU each, twice a turn,
more than the rest of a ``help`` turn. A new client also means a new
``requests`` session, so no kept-alive connection to the Bot Connector.

The clients hold nothing per turn: the credentials are per app id and
audience (they cache their own token), the base URL is the service URL. So
this wrapper around the SDK's ``BotFrameworkAuthentication`` hands out the
same client for the same (app id, audience, service URL), LRU-bounded
because in local mode any caller names its own service URL. Authentication,
headers and retries are the SDK's own, unchanged.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

logger = logging.getLogger(__name__)

MAX_CLIENTS = 64
"""Teams uses a handful of service URLs; the bound only matters for callers that make them up."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ClientCache(Generic[K, V]):
    """A small LRU of built clients; counts how many it had to build."""

    def __init__(self, limit: int = MAX_CLIENTS) -> None:
        self._limit = limit
        self._clients: OrderedDict[K, V] = OrderedDict()
        self.built = 0

    async def get(self, key: K, build: Callable[[], Awaitable[V]]) -> V:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = await build()
        self.built += 1
        self._clients[key] = client
        while len(self._clients) > self._limit:
            self._clients.popitem(last=False)
        return client


def app_id_of(claims_identity: ClaimsIdentity | None) -> str | None:
    """The bot's app id as the SDK reads it from the claims (audience first, then ``appid``)."""
    if claims_identity is None:
        return None
    return claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM) or claims_identity.get_claim_value(
        AuthenticationConstants.APP_ID_CLAIM
    )


class CachingConnectorFactory(ConnectorFactory):
    """The SDK's connector factory for one app id, keeping the clients it made."""

    def __init__(self, inner: ConnectorFactory, app_id: str | None, cache: ClientCache[Any, ConnectorClient]) -> None:
        self._inner = inner
        self._app_id = app_id
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self._cache.get(
            (self._app_id, audience, service_url), lambda: self._inner.create(service_url, audience)
        )


class CachingBotFrameworkAuthentication(BotFrameworkAuthentication):
    """Delegates everything to the SDK's authentication; only the clients it builds are reused."""

    def __init__(self, inner: BotFrameworkAuthentication, limit: int = MAX_CLIENTS) -> None:
        self._inner = inner
        self.connectors: ClientCache[Any, ConnectorClient] = ClientCache(limit)
        self.user_tokens: ClientCache[Any, UserTokenClient] = ClientCache(limit)

    def _wrap(
        self, factory: ConnectorFactory | None, claims_identity: ClaimsIdentity | None
    ) -> ConnectorFactory | None:
        if factory is None or isinstance(factory, CachingConnectorFactory):
            return factory
        return CachingConnectorFactory(factory, app_id_of(claims_identity), self.connectors)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        result.connector_factory = self._wrap(result.connector_factory, result.claims_identity)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        result.connector_factory = self._wrap(result.connector_factory, result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        factory = self._wrap(self._inner.create_connector_factory(claims_identity), claims_identity)
        assert factory is not None
        return factory

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self.user_tokens.get(
            app_id_of(claims_identity), lambda: self._inner.create_user_token_client(claims_identity)
        )

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
