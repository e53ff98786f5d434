"""The tenant allow-list and local mode's loopback rule."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from bot.components import DATABASE
from bot.settings import Settings, SettingsError
from tests.support.activities import (
    KAISA,
    MATTI,
    TEAM_ID,
    TENANT_ID,
    bot_added_to_team,
    card_execute,
    personal_message,
)
from tests.support.fake_connector import FakeConnector
from tests.support.snapshot import database_snapshot

FOREIGN = "0badc0de-0000-0000-0000-000000000666"


def _from_tenant(
    activity: dict[str, Any], tenant: str | None, *, conversation_tenant: str | None = None
) -> dict[str, Any]:
    if tenant is None:
        activity["channelData"].pop("tenant", None)
    else:
        activity["channelData"]["tenant"] = {"id": tenant}
    activity["conversation"]["tenantId"] = conversation_tenant if conversation_tenant is not None else tenant
    return activity


@pytest.fixture
async def guarded(settings_factory: Any, connector: FakeConnector) -> Any:
    app = create_app(settings_factory(allowed_tenants=(TENANT_ID,)))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        connector.members[TEAM_ID] = [KAISA.member(), MATTI.member()]
        yield client


async def _status(client: TestClient[Any, Any], activity: dict[str, Any]) -> int:
    response = await client.post("/api/messages", json=activity)
    await response.read()
    return response.status


async def test_other_tenants_leave_no_row_and_get_no_reply(
    guarded: TestClient[Any, Any], connector: FakeConnector
) -> None:
    sessions = guarded.app[DATABASE].sessions
    before = await database_snapshot(sessions)
    url = connector.url
    for activity in (
        _from_tenant(bot_added_to_team(url, KAISA), FOREIGN),
        _from_tenant(personal_message(url, MATTI, "apua"), FOREIGN),
        _from_tenant(personal_message(url, MATTI, "apua"), None),
        _from_tenant(card_execute(url, MATTI, "meeting/rsvp", {"meetingId": 1}), FOREIGN),
        # Allowed in channel data, foreign in the conversation: refused too.
        _from_tenant(personal_message(url, MATTI, "apua"), TENANT_ID, conversation_tenant=FOREIGN),
    ):
        assert await _status(guarded, activity) == 403, (activity["conversation"], activity["channelData"])
    assert connector.sent == [] and connector.updated == []
    assert await database_snapshot(sessions) == before
    # The forum's own tenant is served (any letter case).
    assert await _status(guarded, _from_tenant(bot_added_to_team(url, KAISA), TENANT_ID.upper())) in (200, 201)
    assert connector.sent


def test_a_single_tenant_bot_serves_its_own_tenant_by_default() -> None:
    single = Settings(app_id="11111111-2222-3333-4444-555555555555", app_tenant_id=TENANT_ID)
    assert single.tenant_allowed(TENANT_ID) and not single.tenant_allowed(FOREIGN)
    assert not single.tenant_allowed(None)
    listed = Settings.from_env({"ALLOWED_TENANTS": f"{TENANT_ID}, {FOREIGN}"}, dotenv_path=_NO_FILE)
    assert listed.tenant_allowed(FOREIGN) and not listed.tenant_allowed("11111111-0000-0000-0000-000000000000")
    assert Settings().tenant_allowed(FOREIGN)  # local mode without a list: the Playground's tenant is any
    with pytest.raises(SettingsError, match="ALLOWED_TENANTS"):
        Settings.from_env({"ALLOWED_TENANTS": "contoso"}, dotenv_path=_NO_FILE)


_NO_FILE = __import__("pathlib").Path("/nonexistent/.env")


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "bot.example.fi"])
def test_local_mode_refuses_a_public_address_and_says_why(host: str) -> None:
    with pytest.raises(SettingsError, match="unauthenticated") as refused:
        Settings.from_env({"HOST": host}, dotenv_path=_NO_FILE)
    assert "MicrosoftAppId" in str(refused.value) and "ALLOW_UNAUTHENTICATED_PUBLIC" in str(refused.value)
    assert Settings.from_env({"HOST": host, "ALLOW_UNAUTHENTICATED_PUBLIC": "1"}, dotenv_path=_NO_FILE).host == host
    # With an app id every request is authenticated: a container listens on 0.0.0.0.
    authenticated = {
        "HOST": host,
        "MicrosoftAppId": "11111111-2222-3333-4444-555555555555",
        "MicrosoftAppTenantId": TENANT_ID,
    }
    assert Settings.from_env(authenticated, dotenv_path=_NO_FILE).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_local_mode_on_loopback_is_fine(host: str) -> None:
    assert Settings.from_env({"HOST": host}, dotenv_path=_NO_FILE).host == host


def test_the_process_exits_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import app

    monkeypatch.chdir(tmp_path)
    for name in ("MicrosoftAppId", "ALLOW_UNAUTHENTICATED_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    with pytest.raises(SystemExit, match="unauthenticated requests"):
        app.main()
