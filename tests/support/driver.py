"""Posting real activities to ``/api/messages`` and reading what came back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from tests.support.activities import EVERYONE, KAISA, TEAM_ID, bot_added_to_team
from tests.support.fake_connector import FakeConnector


@dataclass
class Driver:
    client: TestClient[Any, Any]
    connector: FakeConnector

    @property
    def service_url(self) -> str:
        return self.connector.url

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=activity)
        body: Any = None
        if response.content_type == "application/json":
            body = await response.json()
        return response.status, body

    async def send(self, activity: dict[str, Any]) -> Any:
        status, body = await self.post(activity)
        assert status in (200, 201), (status, body)
        return body

    async def install(self, members: tuple[Any, ...] = EVERYONE, locale: str = "fi-FI") -> None:
        """Install the bot into the forum's team with ``members`` on its roster."""
        self.connector.members[TEAM_ID] = [m.member() for m in members]
        await self.send(bot_added_to_team(self.service_url, KAISA, locale=locale))
