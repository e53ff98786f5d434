"""Request authentication that answers 401 for every bad token and never blocks the event loop.

Why not the SDK as it is (botframework-connector 4.17.1): its ``_OpenIdMetadata`` fetches the
signing keys with a blocking ``requests.get`` without a timeout *on the event loop*, so one
request while the metadata host is silent froze every other request, ``/healthz`` included; it
records a fetch only on success (during an outage every request fetched again); and an unknown
``kid`` escaped as ``IndexError`` (a 500). Here:

* ``SigningKeys`` replaces the SDK's metadata object (the SDK asks
  ``JwtTokenExtractor.get_open_id_metadata`` for it, which ``install_signing_keys`` points at the
  store of the app handling the request). Keys are fetched in a dedicated one-thread executor,
  one fetch in flight per metadata URL, with a timeout; the last good keys keep serving while
  the host is down; a failure is remembered for ``retry_after_failure`` seconds so an outage
  costs one fetch, not one per request; an unknown ``kid`` triggers at most one refresh an hour
  and is then refused.
* ``authenticate`` turns whatever the SDK raises for a token into ``Unauthorized`` (401) and a
  key outage into ``SigningKeysUnavailable`` (503 for that request only).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Any

from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdConfig
from jwt.algorithms import RSAAlgorithm

from forum.untrusted import for_log

logger = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 5.0
RETRY_AFTER_FAILURE_SECONDS = 30.0
REFRESH_AFTER_SECONDS = 24 * 3600.0
UNKNOWN_KID_REFRESH_SECONDS = 3600.0
MAX_METADATA_BYTES = 256 * 1024

FetchKeys = Callable[[str, float], list[dict[str, Any]]]
"""Blocking: (OpenID metadata URL, timeout in seconds) -> the JWKS ``keys``; raises on failure."""


class Unauthorized(Exception):
    """The request's token is missing, malformed, forged, expired or for someone else: 401."""


class SigningKeysUnavailable(Exception):
    """No signing keys could be had (the metadata host is down and none are cached): 503."""


class UnknownSigningKey(PermissionError):
    """The token names a key the metadata does not list (after one refresh)."""


def _read_json(url: str, timeout: float) -> Any:
    if not url.startswith(("https://", "http://")):
        raise ValueError("metadata URLs must be http(s)")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # scheme checked above
        body = response.read(MAX_METADATA_BYTES + 1)
    if len(body) > MAX_METADATA_BYTES:
        raise ValueError("metadata document too large")
    return json.loads(body)


def fetch_signing_keys(metadata_url: str, timeout: float) -> list[dict[str, Any]]:
    """The OpenID metadata's ``jwks_uri`` and then its keys; runs in the key executor's thread."""
    metadata = _read_json(metadata_url, timeout)
    jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
    if not isinstance(jwks_uri, str):
        raise ValueError("OpenID metadata without jwks_uri")
    document = _read_json(jwks_uri, timeout)
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError("JWKS without keys")
    return [key for key in keys if isinstance(key, dict) and isinstance(key.get("kid"), str)]


@dataclass
class _Fetching:
    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[None]


@dataclass
class SigningKeys:
    """One metadata URL's keys: what the SDK's extractor calls ``open_id_metadata``."""

    url: str
    store: SigningKeyStore
    keys: list[dict[str, Any]] = field(default_factory=list)
    fetched_at: float | None = None
    failed_at: float | None = None
    unknown_kid_refresh_at: float | None = None
    _fetching: _Fetching | None = None

    async def get(self, key_id: Any) -> _OpenIdConfig:
        if not isinstance(key_id, str) or not key_id or len(key_id) > 200:
            raise UnknownSigningKey("token without a usable kid")
        now = self.store.clock()
        if self.fetched_at is None:
            await self._refresh()  # nothing to serve yet: this request waits (at most the timeout)
        elif now - self.fetched_at > self.store.refresh_after:
            self._fetch_in_flight()  # a day old: refreshed in the background, the last keys serve meanwhile
        key = self._find(key_id)
        if key is None and (
            self.unknown_kid_refresh_at is None or now - self.unknown_kid_refresh_at > self.store.unknown_kid_refresh
        ):
            # A key rotated in since the last fetch? Look once, at most once an hour, so that
            # tokens with made-up kids cannot make us fetch for every request.
            self.unknown_kid_refresh_at = now
            await self._refresh()
            key = self._find(key_id)
        if key is None:
            raise UnknownSigningKey("token signed by a key the metadata does not list")
        return key

    async def _refresh(self) -> None:
        """Wait for the fetch in flight (or a new one); raise only when there is nothing to serve."""
        task = self._fetch_in_flight()
        if task is not None:
            await asyncio.shield(task)
        if not self.keys:
            raise SigningKeysUnavailable("signing keys unavailable")

    def _fetch_in_flight(self) -> asyncio.Task[None] | None:
        """The one fetch in flight for this URL, started if there is none; None while a recent
        failure says not yet (an outage costs one fetch per ``retry_after_failure``)."""
        if self.failed_at is not None and self.store.clock() - self.failed_at < self.store.retry_after_failure:
            return None
        loop = asyncio.get_running_loop()
        if self._fetching is None or self._fetching.loop is not loop or self._fetching.task.done():
            self._fetching = _Fetching(loop, loop.create_task(self._fetch()))
        return self._fetching.task

    async def _fetch(self) -> None:
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self.store.executor, self.store.fetch, self.url, self.store.timeout)
        try:
            keys = await asyncio.wait_for(work, self.store.timeout + 1.0)
        except (TimeoutError, OSError, ValueError, HTTPException) as exc:
            self.failed_at = self.store.clock()
            logger.warning(
                "OpenID signing keys could not be fetched (%s); %s",
                type(exc).__name__,
                "serving the last good keys" if self.keys else "answering 503 until they can",
            )
            return
        self.keys = keys
        self.fetched_at = self.store.clock()
        self.failed_at = None
        logger.info("OpenID signing keys fetched: %d keys", len(keys))

    def _find(self, key_id: str) -> _OpenIdConfig | None:
        for key in self.keys:
            if key.get("kid") == key_id:
                try:
                    public_key = RSAAlgorithm.from_jwk(json.dumps(key))
                except (ValueError, TypeError, KeyError) as exc:
                    logger.warning("unusable signing key %s: %s", for_log(key_id), type(exc).__name__)
                    return None
                endorsements = key.get("endorsements")
                return _OpenIdConfig(public_key, endorsements if isinstance(endorsements, list) else [])
        return None


@dataclass
class SigningKeyStore:
    """Every metadata URL's keys for one app, fetched by ``fetch`` in one thread."""

    fetch: FetchKeys = fetch_signing_keys
    timeout: float = FETCH_TIMEOUT_SECONDS
    retry_after_failure: float = RETRY_AFTER_FAILURE_SECONDS
    refresh_after: float = REFRESH_AFTER_SECONDS
    unknown_kid_refresh: float = UNKNOWN_KID_REFRESH_SECONDS
    clock: Callable[[], float] = time.monotonic
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="openid-keys")
    )
    by_url: dict[str, SigningKeys] = field(default_factory=dict)

    def for_url(self, url: str) -> SigningKeys:
        keys = self.by_url.get(url)
        if keys is None:
            keys = self.by_url[url] = SigningKeys(url, self)
        return keys

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


_CURRENT_STORE: contextvars.ContextVar[SigningKeyStore | None] = contextvars.ContextVar(
    "signing_key_store", default=None
)
_PROCESS_STORE = SigningKeyStore()
"""Serves any validation that runs outside ``authenticate`` (none of ours)."""


def _open_id_metadata(metadata_url: str) -> SigningKeys:
    store = _CURRENT_STORE.get() or _PROCESS_STORE
    return store.for_url(metadata_url)


def install_signing_keys() -> None:
    """Point the SDK's metadata lookup at our stores (idempotent; the SDK keeps it process-wide)."""
    JwtTokenExtractor.get_open_id_metadata = staticmethod(_open_id_metadata)  # type: ignore[method-assign]


async def authenticate(
    authentication: BotFrameworkAuthentication, store: SigningKeyStore, activity: Any, auth_header: str
) -> AuthenticateRequestResult:
    """The SDK's validation with our key store; every failure it raises becomes ``Unauthorized``."""
    install_signing_keys()
    token = _CURRENT_STORE.set(store)
    try:
        return await authentication.authenticate_request(activity, auth_header)
    except SigningKeysUnavailable:
        raise
    except Exception as exc:  # the SDK raises bare Exception, KeyError, jwt errors…: all 401
        logger.info("request refused: %s", type(exc).__name__)
        raise Unauthorized(type(exc).__name__) from exc
    finally:
        _CURRENT_STORE.reset(token)
