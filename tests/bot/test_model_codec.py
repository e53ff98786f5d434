"""The model codec gives msrest's result, and says "not plain" wherever it would not.

Differential: the same input goes through msrest and through the codec, and the two
results must be equal (msrest's models compare field by field, nested models and
``additional_properties`` included). Inputs: the fuzz corpus's activities (the
shapes Teams and worse send), activity-shaped JSON drawn by hypothesis, every golden
card as a reply, and models that msrest itself read back. A share of the inputs must
take the fast path, or the test would prove nothing.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from botframework.connector import models
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest import Serializer
from msrest.exceptions import DeserializationError

from bot.card_serializer import CardPassingSerializer
from bot.edge import InputRefused, typed_fields
from bot.model_codec import ModelCodec, NotPlain
from bot.turn import card_activity
from tests.support.activities import MATTI, personal_message
from tests.support.driver import Driver
from tests.support.fuzz import Corpus
from tests.support.golden import GOLDEN_DIR

CLIENT_MODELS = {name: kind for name, kind in models.__dict__.items() if isinstance(kind, type)}
SCHEMA_MODELS = Activity._infer_class_models()
SERVICE_URL = "https://smba.example/"


def _read_both(body: dict[str, Any]) -> tuple[Any, Any]:
    """(codec's activity or None where not plain, msrest's activity or its exception)."""
    try:
        expected: Any = Activity().deserialize(copy.deepcopy(body))
    except (DeserializationError, ValueError, TypeError, AttributeError) as exc:
        expected = exc
    try:
        fast = ModelCodec(SCHEMA_MODELS).read(Activity, copy.deepcopy(body))
    except NotPlain:
        fast = None
    return fast, expected


def _corpus_bodies(count: int) -> list[dict[str, Any]]:
    corpus = Corpus(SERVICE_URL, ["apua", "help", "kuulumiset", "kysely", "pari"], ["rsvp", "poll.vote"], ["x"], 8)
    return [case.activity for case in corpus.cases(count)]


def test_reading_the_fuzz_corpus_is_what_msrest_reads() -> None:
    fast_count = 0
    bodies = _corpus_bodies(1500)
    for number, body in enumerate(bodies):
        try:
            body = typed_fields(copy.deepcopy(body))
        except InputRefused:
            continue
        fast, expected = _read_both(body)
        if fast is None:
            continue
        fast_count += 1
        assert not isinstance(expected, Exception), (number, expected)
        assert fast == expected, number
    assert fast_count > len(bodies) // 2, fast_count


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    )


_ACCOUNT = st.fixed_dictionaries(
    {"id": st.text(max_size=10)},
    optional={
        "name": st.text(max_size=10) | st.integers(),
        "aadObjectId": st.text(max_size=5),
        "extra": _json_values(),
    },
)
_DATE = st.sampled_from(
    ["2026-12-04T10:00:00.123Z", "2026-12-04T12:00:00+02:00", "2026-12-04T10:00:00.1234567Z", "not a date", ""]
)
_FIELDS = {
    "text": st.text(max_size=20) | st.integers() | st.booleans(),
    "timestamp": _DATE,
    "localTimestamp": _DATE,
    "value": _json_values(),
    "channelData": _json_values(),
    "from": _ACCOUNT | _json_values(),
    "recipient": _ACCOUNT,
    "conversation": st.fixed_dictionaries({"id": st.text(max_size=5)}, optional={"isGroup": st.booleans() | st.text()}),
    "entities": st.lists(st.fixed_dictionaries({"type": st.text(max_size=8)}, optional={"mentioned": _ACCOUNT})),
    "membersAdded": st.lists(_ACCOUNT | st.none(), max_size=3),
    "attachments": st.lists(st.fixed_dictionaries({"contentType": st.text(max_size=8), "content": _json_values()})),
    "suggestedActions": st.fixed_dictionaries({"actions": st.lists(st.fixed_dictionaries({"type": st.text()}))}),
    "unknownField": _json_values(),
}


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(fields=st.fixed_dictionaries({"type": st.sampled_from(["message", "invoke"])}, optional=_FIELDS))
def test_reading_drawn_activities_is_what_msrest_reads(fields: dict[str, Any]) -> None:
    fast, expected = _read_both(fields)
    if fast is not None:
        assert not isinstance(expected, Exception), expected
        assert fast == expected
        # ... and writing back what was read is what msrest writes.
        written = ModelCodec(CLIENT_MODELS).write(fast) if _writable(fast) else None
        if written is not None:
            assert written == Serializer(CLIENT_MODELS).body(copy.deepcopy(expected), "Activity")


def _writable(activity: Activity) -> bool:
    try:
        ModelCodec(CLIENT_MODELS).write(activity)
    except NotPlain:
        return False
    return True


def test_a_plain_activity_takes_the_fast_path() -> None:
    body = personal_message(SERVICE_URL, MATTI, "apua")
    activity = ModelCodec(SCHEMA_MODELS).read(Activity, copy.deepcopy(body))
    assert activity == Activity().deserialize(copy.deepcopy(body))
    assert isinstance(activity.timestamp, datetime.datetime) or activity.timestamp is None


@pytest.mark.parametrize(
    "body",
    [
        {"type": "message", "text": 5},  # msrest writes "5"
        {"type": "message", "from": "29:x"},  # a string where an account is expected
        {"type": "message", "timestamp": "yesterday"},
        {"type": "message", "entities": {"type": "mention"}},
        {"type": "message", "conversation": {"id": "a", "isGroup": "yes"}},
    ],
)
def test_what_is_not_plain_is_left_to_msrest(body: dict[str, Any]) -> None:
    with pytest.raises(NotPlain):
        ModelCodec(SCHEMA_MODELS).read(Activity, copy.deepcopy(body))
    codec = ModelCodec(SCHEMA_MODELS)
    try:
        expected: Any = Activity().deserialize(copy.deepcopy(body))
    except DeserializationError as exc:
        with pytest.raises(DeserializationError):
            codec.read_or_msrest(Activity, copy.deepcopy(body))
        assert exc
    else:
        assert codec.read_or_msrest(Activity, copy.deepcopy(body)) == expected


def _reply(card: dict[str, Any]) -> Activity:
    activity = card_activity(card)
    activity.conversation = ConversationAccount(id="a:1", conversation_type="personal", tenant_id="t")
    activity.from_property = ChannelAccount(id="28:bot", name="Foorumibotti")
    activity.recipient = ChannelAccount(id="29:matti", aad_object_id="aad-1")
    activity.service_url = SERVICE_URL
    activity.reply_to_id = "1"
    activity.timestamp = datetime.datetime(2026, 12, 4, 10, 0, 0, 120000, tzinfo=datetime.UTC)
    return activity


GOLDEN_CARDS = sorted(GOLDEN_DIR.glob("*.json"))


@pytest.mark.parametrize("path", GOLDEN_CARDS, ids=[path.stem for path in GOLDEN_CARDS])
def test_every_card_reply_is_written_as_msrest_writes_it(path: Path) -> None:
    activity = _reply(json.loads(path.read_text(encoding="utf-8")))
    expected = Serializer(CLIENT_MODELS).body(copy.deepcopy(activity), "Activity")
    assert ModelCodec(CLIENT_MODELS).write(activity) == expected  # the fast path, not a fallback
    assert CardPassingSerializer(CLIENT_MODELS).body(activity, "Activity") == expected


def test_text_replies_and_enum_types_are_written_as_msrest_writes_them() -> None:
    activity = MessageFactory.text("apua")  # type is ActivityTypes.message, an enum
    activity.recipient = ChannelAccount(id="29:matti")
    activity.entities = [models.Entity(type="mention")]
    expected = Serializer(CLIENT_MODELS).body(copy.deepcopy(activity), "Activity")
    assert ModelCodec(CLIENT_MODELS).write(activity) == expected
    assert expected["type"] == "message"


@pytest.mark.parametrize(
    "change",
    [
        {"recipient": {"id": "29:x"}},  # a dict where a model is expected: msrest reads it first
        {"text": 5},
        {"attachments": ({"contentType": "x"},)},
        {"channel_data": {1: "x"}},
        {"timestamp": "not a date"},
    ],
)
def test_a_reply_that_is_not_plain_is_left_to_msrest(change: dict[str, Any]) -> None:
    activity = MessageFactory.text("apua")
    for key, value in change.items():
        setattr(activity, key, value)
    with pytest.raises(NotPlain):
        ModelCodec(CLIENT_MODELS).write(activity)


async def test_turns_share_one_codec_and_take_its_fast_path(driver: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-class plans are made once per process, not per request (it once was per request)."""
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "apua"))  # warm: the connector client too
    built: list[ModelCodec] = []
    original_init = ModelCodec.__init__

    def counting_init(self: ModelCodec, dependencies: Any) -> None:
        built.append(self)
        original_init(self, dependencies)

    fallbacks: list[Any] = []
    monkeypatch.setattr(ModelCodec, "__init__", counting_init)
    monkeypatch.setattr(Activity, "deserialize", classmethod(lambda cls, data, **_: fallbacks.append(data)))
    for _ in range(3):
        await driver.send(personal_message(driver.service_url, MATTI, "apua"))
    assert built == []
    assert fallbacks == []  # read by the codec, never by msrest
    assert len(driver.connector.sent) >= 4
