"""Sending copies each activity shallowly: the caller's activity is unchanged, the card is not walked."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ResourceResponse

from bot.turn_context import ForumTurnContext
from cards.elements import attachment
from tests.support.activities import MATTI, personal_message
from tests.support.driver import Driver


class Recording(TestAdapter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.received: list[Activity] = []

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        self.received.extend(activities)
        return [ResourceResponse(id=str(n)) for n, _ in enumerate(activities)]


def _incoming() -> Activity:
    return Activity().deserialize(personal_message("https://smba.example/", MATTI, "apua"))


async def test_the_caller_s_activity_is_unchanged_and_the_sent_one_has_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapter = Recording()
    context = ForumTurnContext(adapter, _incoming())
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "hei"}]}
    outgoing = MessageFactory.attachment(attachment(card))  # type: ignore[arg-type]
    before = copy.deepcopy(outgoing)
    walked: list[Any] = []
    original = copy.deepcopy

    def counting(value: Any, memo: Any = None, _nil: Any = []) -> Any:  # noqa: B006 (copy's signature)
        walked.append(value)
        return original(value, memo)

    monkeypatch.setattr("botbuilder.core.turn_context.deepcopy", counting)
    await context.send_activity(outgoing)
    (sent,) = adapter.received
    assert outgoing == before  # nothing of the reference was written into the caller's object
    assert sent is not outgoing and type(sent) is Activity
    assert sent.conversation.id == context.activity.conversation.id and sent.reply_to_id == context.activity.id
    assert sent.attachments[0]["content"] is card  # the card was not copied
    assert len(walked) == 1  # the SDK's one deepcopy call, answered without a walk


async def test_turns_use_the_forum_turn_context(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    assert driver.connector.sent[-1].cards
