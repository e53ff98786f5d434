"""Malformed requests get a plain 4xx, never a traceback, and the server keeps serving."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.support.activities import MATTI, personal_message
from tests.support.driver import Driver

MiB = 1024 * 1024


async def _status_and_text(client: TestClient[Any, Any], data: bytes, content_type: str) -> tuple[int, str]:
    response = await client.post("/api/messages", data=data, headers={"Content-Type": content_type})
    return response.status, await response.text()


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"this is not json", "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'"a string"', "application/json", 400),
        (b'{"type": "message"}', "application/json", 400),
        (b'{"type": "message", "text": "hi"}', "text/plain", 415),
        (b"<xml/>", "application/xml", 415),
        (b'{"type": 5, "conversation": {"id": "x"}}', "application/json", 400),
    ],
)
async def test_malformed_requests_get_4xx_without_traceback(
    driver: Driver, data: bytes, content_type: str, status: int
) -> None:
    got, text = await _status_and_text(driver.client, data, content_type)
    assert got == status
    assert "Traceback" not in text and 'File "' not in text
    assert json.loads(text)["error"]
    # …and the server still answers a real activity afterwards.
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    assert driver.connector.sent[-1].cards


async def test_body_over_one_mebibyte_is_413(driver: Driver) -> None:
    activity = personal_message(driver.service_url, MATTI, "x" * (MiB + 10))
    response = await driver.client.post(
        "/api/messages", data=json.dumps(activity).encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert "Traceback" not in await response.text()
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    assert driver.connector.sent[-1].cards


@pytest.mark.parametrize(
    "extra",
    [
        {"text": None},
        {"text": ""},
        {"text": "   "},
        {"text": None, "value": {"unexpected": True}},
        {"text": None, "value": "not a dict"},
        {"type": "messageReaction", "reactionsAdded": [{"type": "like"}]},
        {"type": "messageUpdate"},
        {"type": "messageDelete"},
        {"type": "typing"},
        {"type": "event", "name": "application/vnd.microsoft.meetingStart"},
    ],
)
async def test_activities_without_text_never_crash(driver: Driver, extra: dict[str, Any]) -> None:
    activity = personal_message(driver.service_url, MATTI, "")
    activity.update(extra)
    status, body = await driver.post(activity)
    assert status in (200, 201), body
    # No "something went wrong" message: nothing failed.
    assert not any("vikaan" in r.text for r in driver.connector.sent)


async def test_group_chat_mention_is_answered(driver: Driver) -> None:
    from tests.support.activities import group_chat_message

    await driver.send(group_chat_message(driver.service_url, MATTI, "apua"))
    assert driver.connector.sent[-1].conversation_id == "19:group-chat@thread.v2"
    assert driver.connector.sent[-1].cards
