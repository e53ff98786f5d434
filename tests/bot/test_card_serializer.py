"""Cards go to the Bot Connector as built, and the request body is what msrest alone makes."""

from __future__ import annotations

import copy
import enum
from typing import Any

import pytest
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment, ChannelAccount, ConversationAccount
from botframework.connector import models
from msrest import Serializer

from bot.card_serializer import CardPassingSerializer, is_plain_json
from cards.elements import attachment
from tests.support.activities import MATTI, personal_message
from tests.support.driver import Driver

CLIENT_MODELS = {name: kind for name, kind in models.__dict__.items() if isinstance(kind, type)}


def _card(size: int = 3) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": f"rivi {n} – ä", "wrap": True, "spacing": None} for n in range(size)],
        "actions": [{"type": "Action.Execute", "verb": "x", "data": {"n": 1, "ok": True, "share": 0.5}}],
    }


class Colour(enum.Enum):
    RED = "red"


def _activities() -> list[Activity]:
    reference = {
        "conversation": ConversationAccount(id="a:1", conversation_type="personal"),
        "from_property": ChannelAccount(id="28:bot", name="Foorumibotti"),
        "recipient": ChannelAccount(id="29:matti", aad_object_id="aad-1"),
        "service_url": "https://smba.example/",
        "reply_to_id": "1",
    }
    plain = MessageFactory.attachment(attachment(_card()))  # type: ignore[arg-type]
    model = MessageFactory.attachment(
        Attachment(content_type="application/vnd.microsoft.card.adaptive", content=_card(40))
    )
    mixed = Activity(
        type="message",
        attachments=[attachment(_card()), Attachment(content_type="image/png", content_url="https://x/y.png")],
    )
    not_plain = MessageFactory.attachment(attachment({"type": "AdaptiveCard", 7: "x"}))  # type: ignore[arg-type, dict-item]
    text = MessageFactory.text("apua")
    for activity in (plain, model, mixed, not_plain, text):
        for key, value in reference.items():
            setattr(activity, key, value)
    return [plain, model, mixed, not_plain, text]


@pytest.mark.parametrize("index", range(5))
def test_the_body_is_what_msrest_makes(index: int) -> None:
    activity = _activities()[index]
    before = copy.deepcopy(activity)
    expected = Serializer(CLIENT_MODELS).body(copy.deepcopy(activity), "Activity")
    assert CardPassingSerializer(CLIENT_MODELS).body(activity, "Activity") == expected
    assert activity == before  # the caller's activity is left as it was


def test_a_plain_card_is_passed_as_the_same_object() -> None:
    activity = _activities()[0]
    card = activity.attachments[0]["content"]
    body = CardPassingSerializer(CLIENT_MODELS).body(activity, "Activity")
    assert body["attachments"][0]["content"] is card


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ({"a": [1, 2.5, "x", None, True, {"b": []}]}, True),
        ({1: "x"}, False),
        ({"a": Colour.RED}, False),
        ({"a": (1, 2)}, False),
        ([{"a": object()}], False),
    ],
)
def test_plain_json_is_recognised(value: Any, plain: bool) -> None:
    assert is_plain_json(value) is plain


async def test_the_help_card_reaches_the_connector_whole(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    sent = driver.connector.sent[-1]
    (content,) = sent.cards
    assert content["type"] == "AdaptiveCard" and content["body"]
    assert sent.body["conversation"]["id"] and sent.body["replyToId"] and sent.body["from"]["id"]
