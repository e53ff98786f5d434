"""Auth at the edge: every token the SDK would reject is a 401, and key fetching never blocks.

Tokens are signed with a test RSA key that a fake OpenID endpoint on loopback serves (the
real fetcher, ``bot.auth.fetch_signing_keys``, reads it over HTTP in the key thread).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app import create_app
from bot.auth import fetch_signing_keys
from bot.components import BOT, DATABASE
from tests.support.activities import MATTI, TENANT_ID, bot_added_to_team, personal_message
from tests.support.snapshot import row_count

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"
KID = "test-key-1"


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = _private_key()
STRANGER_KEY = _private_key()


@dataclass
class FakeOpenId:
    """``/.well-known/openid`` and ``/keys`` on loopback; ``silent`` makes both hang."""

    silent: bool = False
    fetches: int = 0
    server: TestServer | None = None
    keys: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        return app

    async def _hang_if_silent(self) -> None:
        if self.silent:
            await asyncio.sleep(3600)

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        await self._hang_if_silent()
        return web.json_response({"jwks_uri": str(request.url.with_path("/keys"))})

    async def _keys(self, _request: web.Request) -> web.Response:
        await self._hang_if_silent()
        return web.json_response({"keys": self.keys})

    @property
    def metadata_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/.well-known/openid"))


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid=kid, use="sig", endorsements=["msteams"])
    return jwk


def token(service_url: str, *, key: Any = SIGNING_KEY, algorithm: str = "RS256", **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": APP_ID,
        "exp": now + 3600,
        "nbf": now - 60,
        "serviceurl": service_url,
    }
    kid = changes.pop("kid", KID)
    headers = {"kid": kid} if kid is not None else {}
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def unsigned(service_url: str) -> str:
    return token(service_url, key=None, algorithm="none")


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenId]:
    fake = FakeOpenId(keys=[_jwk(SIGNING_KEY, KID)])
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.server = server
    yield fake
    fake.silent = False
    await server.close()


@pytest.fixture
async def secured(settings_factory: Any, openid: FakeOpenId) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_app(settings_factory(app_id=APP_ID, app_password="secret", app_tenant_id=TENANT_ID))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        store = app[BOT].adapter.signing_keys
        store.fetch = lambda _url, timeout: fetch_signing_keys(openid.metadata_url, timeout)
        store.timeout = 0.5
        yield client


def _typing(service_url: str) -> dict[str, Any]:
    """An activity the bot answers without a reply (no outbound token needed)."""
    activity = personal_message(service_url, MATTI, "")
    activity.update(type="typing", text=None)
    return activity


async def _post(client: TestClient[Any, Any], activity: dict[str, Any], bearer: str | None) -> int:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    response = await client.post("/api/messages", json=activity, headers=headers)
    await response.read()
    return response.status


BAD_TOKENS = {
    "no header": lambda url: None,
    "not a jwt": lambda url: "not.a.jwt",
    "garbage": lambda url: "§§§",
    "wrong audience": lambda url: token(url, aud="99999999-0000-0000-0000-000000000000"),
    "no audience": lambda url: token(url, aud=None),
    "expired": lambda url: token(url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
    "not yet valid": lambda url: token(url, nbf=int(time.time()) + 3600),
    "wrong issuer": lambda url: token(url, iss="https://evil.example"),
    "no issuer": lambda url: token(url, iss=None),
    "unknown key": lambda url: token(url, key=STRANGER_KEY, kid="stranger"),
    "known kid, other key": lambda url: token(url, key=STRANGER_KEY),
    "no kid": lambda url: token(url, kid=None),
    "alg none": unsigned,
    "HS256": lambda url: token(url, key="shared-secret-shared-secret-shared", algorithm="HS256"),
    "other service url": lambda url: token(url, serviceurl="https://smba.example/evil"),
}


async def test_a_valid_token_is_served(secured: TestClient[Any, Any], connector: Any) -> None:
    assert await _post(secured, _typing(connector.url), token(connector.url)) == 201


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_every_bad_token_is_401_and_changes_nothing(
    secured: TestClient[Any, Any], connector: Any, openid: FakeOpenId, case: str
) -> None:
    bearer = BAD_TOKENS[case](connector.url)
    # A forged install must not register a forum either.
    for activity in (_typing(connector.url), bot_added_to_team(connector.url, MATTI)):
        assert await _post(secured, activity, bearer) == 401
    assert connector.sent == []
    response = await secured.get("/readyz")
    assert response.status == 200
    assert not await _forum_rows(secured)


async def _forum_rows(client: TestClient[Any, Any]) -> int:
    return await row_count(client.app[DATABASE].sessions, "forum")


async def test_unknown_kids_refresh_the_keys_at_most_once(
    secured: TestClient[Any, Any], connector: Any, openid: FakeOpenId
) -> None:
    assert await _post(secured, _typing(connector.url), token(connector.url)) == 201
    assert openid.fetches == 1
    for number in range(5):
        forged = token(connector.url, key=STRANGER_KEY, kid=f"made-up-{number}")
        assert await _post(secured, _typing(connector.url), forged) == 401
    assert openid.fetches == 2  # one look for a rotated key, then an hour's rest


async def test_a_silent_metadata_host_never_blocks_other_requests(
    secured: TestClient[Any, Any], connector: Any, openid: FakeOpenId
) -> None:
    openid.silent = True
    pending = asyncio.ensure_future(_post(secured, _typing(connector.url), token(connector.url)))
    await asyncio.sleep(0.05)
    for _ in range(3):  # while the key fetch hangs, the loop keeps serving
        response = await secured.get("/healthz")
        assert response.status == 200
        assert not pending.done()
    assert await pending == 503  # after the fetch's timeout, for that request only
    # Negative-cached: the next requests answer 503 at once, without another fetch.
    fetches = openid.fetches
    assert await _post(secured, _typing(connector.url), token(connector.url)) == 503
    assert openid.fetches == fetches
    # A request with no token at all is still a plain 401, not 503.
    assert await _post(secured, _typing(connector.url), None) == 401
    assert (await secured.get("/healthz")).status == 200


async def test_the_last_good_keys_serve_while_the_host_is_down(
    secured: TestClient[Any, Any], connector: Any, openid: FakeOpenId
) -> None:
    assert await _post(secured, _typing(connector.url), token(connector.url)) == 201
    store = secured.app[BOT].adapter.signing_keys
    store.refresh_after = 0.0  # every request now wants fresh keys…
    openid.silent = True  # …and the host is down
    fetches = openid.fetches
    for _ in range(3):  # served at once from the last good keys while one refresh hangs
        assert await _post(secured, _typing(connector.url), token(connector.url)) == 201
    await asyncio.sleep(0.05)
    assert openid.fetches == fetches + 1
    forged = token(connector.url, key=STRANGER_KEY, kid="made-up")
    assert await _post(secured, _typing(connector.url), forged) == 401  # waits for that refresh, then no
    assert await _post(secured, _typing(connector.url), token(connector.url)) == 201
    openid.silent = False
    store.retry_after_failure = 0.0
    assert await _post(secured, _typing(connector.url), token(connector.url)) == 201
    await asyncio.sleep(0.3)
    assert store.by_url and all(keys.failed_at is None for keys in store.by_url.values())
