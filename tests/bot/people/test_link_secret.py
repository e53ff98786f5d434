"""The link-signing key is generated once, kept in the database, and survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from bot.components import SIGNER
from forum.signing import InvalidLinkError

NOW = datetime.now(UTC)


async def test_a_link_signed_before_a_restart_is_valid_after_it(settings_factory: Any) -> None:
    settings = settings_factory()
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as first:
        token = first.server.app[SIGNER].sign("people.my-data", "1", now=NOW, lifetime=timedelta(minutes=15))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as second:
        assert second.server.app[SIGNER].verify("people.my-data", token, now=NOW).subject == "1"


async def test_a_configured_secret_wins(settings_factory: Any) -> None:
    async with TestClient(TestServer(create_app(settings_factory()), host="127.0.0.1")) as generated:
        token = generated.server.app[SIGNER].sign("p", "1", now=NOW, lifetime=timedelta(minutes=1))
    configured = settings_factory(link_signing_secret="s" * 40)
    async with TestClient(TestServer(create_app(configured), host="127.0.0.1")) as client:
        with pytest.raises(InvalidLinkError):
            client.server.app[SIGNER].verify("p", token, now=NOW)
