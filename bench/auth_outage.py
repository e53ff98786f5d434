"""The OpenID metadata host going silent: what requests see, as a timeline, against a baseline.

    python bench/auth_outage.py [--timeout 2] [--requests 20]

A fake OpenID endpoint on loopback serves a test RSA key; the bot (SQLite temp file, app id
set) validates tokens signed with it. Phases, each timed:

1. baseline: ``/healthz`` and a signed activity with the keys cached;
2. outage with no keys yet (a fresh app): the first signed request waits for the fetch's
   timeout and gets 503, ``/healthz`` meanwhile; then requests in the failure's quiet period;
3. outage with day-old keys: signed requests served from the last good keys.

Prints milliseconds per phase and the ratios to the baseline. Asserts nothing (machines are
noisy); ``tests/bot/test_auth.py`` holds the rules.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jwt  # noqa: E402
from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from jwt.algorithms import RSAAlgorithm  # noqa: E402

from app import create_app  # noqa: E402
from bot.auth import fetch_signing_keys  # noqa: E402
from bot.components import BOT  # noqa: E402
from bot.settings import Settings  # noqa: E402

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "72f988bf-0000-0000-0000-000000000001"
SERVICE_URL = "http://127.0.0.1:9/"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOpenId:
    def __init__(self) -> None:
        self.silent = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        if self.silent:
            await asyncio.sleep(3600)
        return web.json_response({"jwks_uri": str(request.url.with_path("/keys"))})

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
        jwk.update(kid="bench", endorsements=["msteams"])
        return web.json_response({"keys": [jwk]})


def _token() -> str:
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": now + 600, "nbf": now - 60}
    claims["serviceurl"] = SERVICE_URL
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "bench"})


def _activity() -> dict[str, Any]:
    return {
        "type": "typing",
        "id": "bench",
        "serviceUrl": SERVICE_URL,
        "channelId": "msteams",
        "from": {"id": "29:bench"},
        "recipient": {"id": "28:bot"},
        "conversation": {"id": "a:bench", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
    }


async def _timed(coroutine: Any) -> tuple[float, int]:
    started = time.perf_counter()
    response = await coroutine
    await response.read()
    return (time.perf_counter() - started) * 1000, response.status


async def _signed(client: TestClient[Any, Any]) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {_token()}"}
    return await _timed(client.post("/api/messages", json=_activity(), headers=headers))


async def _bot(folder: str, name: str, openid_url: str, timeout: float) -> TestClient[Any, Any]:
    settings = Settings(
        app_id=APP_ID,
        app_password="bench",
        app_tenant_id=TENANT,
        database_url=f"sqlite+aiosqlite:///{folder}/{name}.db",
        dispatch_interval_seconds=3600.0,
    )
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    store = client.app[BOT].adapter.signing_keys
    store.fetch = lambda _url, limit: fetch_signing_keys(openid_url, limit)
    store.timeout = timeout
    return client


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def main(timeout: float, requests: int) -> None:
    fake = FakeOpenId()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    openid_url = str(server.make_url("/openid"))
    with tempfile.TemporaryDirectory() as folder:
        warm = await _bot(folder, "warm", openid_url, timeout)
        cold_ms, cold_status = await _signed(warm)
        health = [(await _timed(warm.get("/healthz")))[0] for _ in range(requests)]
        signed = [(await _signed(warm))[0] for _ in range(requests)]
        base_health, base_signed = _median(health), _median(signed)
        print(f"baseline: first signed request (fetches keys) {cold_ms:.0f} ms -> {cold_status}")
        print(f"baseline: /healthz p50 {base_health:.1f} ms, signed activity p50 {base_signed:.1f} ms")

        fake.silent = True
        fresh = await _bot(folder, "fresh", openid_url, timeout)
        pending = asyncio.ensure_future(_signed(fresh))
        await asyncio.sleep(0.05)
        during = [(await _timed(fresh.get("/healthz")))[0] for _ in range(requests)]
        first_ms, first_status = await pending
        quiet = [await _signed(fresh) for _ in range(requests)]
        quiet_statuses = sorted({status for _, status in quiet})
        print(f"outage, no keys: first signed request {first_ms:.0f} ms -> {first_status} (timeout {timeout:.1f} s)")
        print(
            f"outage, no keys: /healthz p50 while that fetch hangs {_median(during):.1f} ms "
            f"({_median(during) / base_health:.2f}x baseline)"
        )
        print(
            f"outage, no keys: next signed requests p50 {_median([ms for ms, _ in quiet]):.1f} ms -> "
            f"{quiet_statuses} (no new fetch for 30 s)"
        )

        store = warm.app[BOT].adapter.signing_keys
        store.refresh_after = 0.0  # the cached keys are now "a day old"
        stale = [await _signed(warm) for _ in range(requests)]
        stale_ms = _median([ms for ms, _ in stale])
        print(
            f"outage, day-old keys: signed requests p50 {stale_ms:.1f} ms -> "
            f"{sorted({status for _, status in stale})} ({stale_ms / base_signed:.2f}x baseline)"
        )
        fake.silent = False
        for client in (warm, fresh):
            await client.close()
    await server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=2.0, help="the key fetch's timeout in seconds")
    parser.add_argument("--requests", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.timeout, arguments.requests))
