"""Card contents go into a Bot Connector request as they are, not through msrest.

Why: an Adaptive Card is already plain JSON (we build it from dicts, lists,
strings and numbers). msrest's ``Serializer.body`` first *deserializes* the
whole activity into models, walking every value of the card, then validates
it, then serializes it again, value by value: about 5 ms of CPU for the help
card, more than the rest of the ``help`` turn (``bench/profile_turn.py
--case help``). Here each attachment whose content is plain JSON is taken out
before msrest runs and put back into its output, unchanged, which is what
msrest's walk returns for plain JSON. Everything else (the activity's own
fields, a content that is not plain JSON) is msrest's, as before.

Before that, a whole request body that is plain (every model field of the type
msrest expects: the usual case) is written by :class:`bot.model_codec.ModelCodec`
in one walk, with the same result as msrest's three.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from botbuilder.schema import Activity, Attachment
from botframework.connector.aio import ConnectorClient
from msrest import Serializer
from msrest.serialization import Model

from bot.model_codec import ModelCodec, NotPlain, is_plain_json

logger = logging.getLogger(__name__)


def _content_of(attachment: Any) -> Any:
    if isinstance(attachment, Attachment):
        return attachment.content
    if isinstance(attachment, dict):
        return attachment.get("content")
    return None


def _without_content(attachment: Any) -> Any:
    if isinstance(attachment, Attachment):
        twin = copy.copy(attachment)
        twin.content = None
        return twin
    return {key: value for key, value in attachment.items() if key != "content"}


class CardPassingSerializer(Serializer):  # type: ignore[misc]
    """msrest's serializer, except that plain-JSON attachment contents pass through untouched."""

    def __init__(self, classes: dict[str, Any] | None = None) -> None:
        super().__init__(classes)
        self._codec = ModelCodec(self.dependencies)

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if isinstance(data, Model) and data_type in self.dependencies and not kwargs:
            try:
                return self._codec.write(data)
            except NotPlain:
                pass  # msrest's own, below
        if data_type != "Activity" or not isinstance(data, Activity) or not data.attachments:
            return super().body(data, data_type, **kwargs)
        contents: list[Any] = []
        stripped: list[Any] = []
        for attachment in data.attachments:
            content = _content_of(attachment)
            if isinstance(content, dict | list) and is_plain_json(content):
                contents.append(content)
                stripped.append(_without_content(attachment))
            else:
                contents.append(None)  # msrest's own (no content, or not plain JSON)
                stripped.append(attachment)
        # A shallow copy: msrest's first step assigns the models it builds to the activity's
        # fields, and the caller's activity keeps its own.
        light = copy.copy(data)
        light.attachments = stripped
        serialized = super().body(light, data_type, **kwargs)
        for item, content in zip(serialized["attachments"], contents, strict=True):
            if content is not None:
                item["content"] = content
        return serialized


def pass_cards_through(client: ConnectorClient) -> ConnectorClient:
    """Give ``client``'s operations the card-passing serializer (same models, same output)."""
    serializer = CardPassingSerializer(client._serialize.dependencies)
    client._serialize = serializer
    for operations in (client.conversations, client.attachments):
        operations._serialize = serializer
    return client
