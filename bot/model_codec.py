"""Bot Framework models to and from JSON without msrest's generic walk, for the common case.

Why: every turn deserializes the incoming activity and serializes each reply, and
msrest does both through a generic, per-value machinery (key extractors, ``eval``
of type names, a deserialize-validate-serialize round for each request body):
about 0.2 ms to read a plain message and 0.5 ms to write a reply with a card,
a tenth of a ``help`` turn (``bench/profile_turn.py --case help``). The SDK's
schema is simple: no flattened keys, no polymorphic types, no validation rules,
every field a JSON scalar, a date, ``object``, a list or dict of those, or another
model. For exactly that shape this codec gives msrest's result directly; for
anything else (a value of another type, a dict where a model is expected, a
class with validation) it says so with :class:`NotPlain` and the caller uses
msrest, which keeps msrest's coercions and its errors. ``tests/bot/test_model_codec.py``
checks the two give the same result on the fuzz corpus and on every card.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from msrest.exceptions import DeserializationError, SerializationError
from msrest.serialization import Deserializer, Model, Serializer

logger = logging.getLogger(__name__)

_SCALARS: dict[str, type] = {"str": str, "bool": bool, "int": int, "float": float}


class NotPlain(Exception):
    """The value is outside the shape this codec covers: msrest must do it."""


@dataclass(frozen=True)
class _Field:
    attribute: str
    key: str
    type_name: str


@dataclass(frozen=True)
class _Plan:
    fields: tuple[_Field, ...]
    keys: frozenset[str]


_PLAIN_LEAVES = (str, int, float, bool, type(None))


def is_plain_json(value: Any) -> bool:
    """True for a tree of dicts with string keys, lists, strings, numbers, booleans and None."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, inner in item.items():
                if type(key) is not str:
                    return False
                stack.append(inner)
        elif kind is list:
            stack.extend(item)
        elif kind not in _PLAIN_LEAVES:
            return False
    return True


def plain_copy(value: Any) -> Any:
    """A copy of a tree of dicts (string keys), lists and JSON scalars; :class:`NotPlain` otherwise.

    msrest's ``object`` handling returns such a copy (new dicts and lists, same leaves).
    """
    kind = type(value)
    if kind is dict:
        copied: dict[str, Any] = {}
        for key, inner in value.items():
            if type(key) is not str:
                raise NotPlain("a dict key that is not a string")
            copied[key] = plain_copy(inner)
        return copied
    if kind is list:
        return [plain_copy(inner) for inner in value]
    if kind in _PLAIN_LEAVES:
        return value
    raise NotPlain(f"a {kind.__name__} in a JSON object")


class ModelCodec:
    """msrest's models to and from JSON for one set of model classes (a module's, as msrest's)."""

    def __init__(self, dependencies: Mapping[str, Any]) -> None:
        self._dependencies = dict(dependencies)
        self._plans: dict[type, _Plan] = {}

    def _plan(self, cls: type) -> _Plan:
        plan = self._plans.get(cls)
        if plan is not None:
            return plan
        if getattr(cls, "_validation", None) or getattr(cls, "_subtype_map", None):
            raise NotPlain(f"{cls.__name__} has validation or subtypes")
        fields = []
        for attribute, description in cls._attribute_map.items():  # type: ignore[attr-defined]
            key, type_name = description.get("key"), description.get("type")
            if not isinstance(key, str) or not key or "." in key or not isinstance(type_name, str):
                raise NotPlain(f"{cls.__name__}.{attribute} is flattened or untyped")
            if attribute == "additional_properties":
                raise NotPlain(f"{cls.__name__} declares additional properties")
            fields.append(_Field(attribute, key, type_name))
        plan = _Plan(tuple(fields), frozenset(field.key for field in fields))
        self._plans[cls] = plan
        return plan

    def _model_class(self, type_name: str) -> type:
        cls = self._dependencies.get(type_name)
        if not isinstance(cls, type) or not issubclass(cls, Model) or issubclass(cls, enum.Enum):
            raise NotPlain(f"type {type_name!r} is not a model here")
        return cls

    def read_or_msrest(self, cls: type, data: Any) -> Any:
        """:meth:`read`, and msrest's ``deserialize`` where the data is not plain (its errors too)."""
        try:
            return self.read(cls, data)
        except NotPlain:
            return cls.deserialize(data)  # type: ignore[attr-defined]

    # Reading (msrest's Deserializer with its default key extractor and additional properties)

    def read(self, cls: type, data: Any) -> Any:
        """``cls().deserialize(data)``'s result, or :class:`NotPlain`."""
        if type(data) is not dict:
            raise NotPlain("a model that is not a JSON object")
        plan = self._plan(cls)
        arguments = {}
        for field in plan.fields:
            raw = data.get(field.key)
            arguments[field.attribute] = None if raw is None else self._read_value(raw, field.type_name)
        model = cls(**arguments)
        extra = {key: data[key] for key in data.keys() - plan.keys}
        if extra:
            model.additional_properties = extra
        return model

    def _read_value(self, raw: Any, type_name: str) -> Any:
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            if type(raw) is not scalar:
                raise NotPlain(f"a {type(raw).__name__} for {type_name}")
            return raw
        if type_name == "object":
            return plain_copy(raw)
        if type_name == "iso-8601":
            if type(raw) is not str:
                raise NotPlain("a date that is not a string")
            try:
                return Deserializer.deserialize_iso(raw)
            except DeserializationError as exc:
                raise NotPlain("a date msrest refuses") from exc
        if type_name.startswith("[") and type_name.endswith("]"):
            if type(raw) is not list:
                raise NotPlain("a list that is not a list")
            inner = type_name[1:-1]
            return [None if item is None else self._read_value(item, inner) for item in raw]
        if type_name.startswith("{") and type_name.endswith("}"):
            if type(raw) is not dict:
                raise NotPlain("a map that is not an object")
            inner = type_name[1:-1]
            return {key: None if item is None else self._read_value(item, inner) for key, item in raw.items()}
        return self.read(self._model_class(type_name), raw)

    # Writing (msrest's Serializer.body: no read-only fields here, None fields left out)

    def write(self, model: Any) -> dict[str, Any]:
        """``Serializer(dependencies).body(model, type)``'s result, or :class:`NotPlain`."""
        if not isinstance(model, Model):
            raise NotPlain("not a model")
        plan = self._plan(type(model))
        written: dict[str, Any] = {}
        for field in plan.fields:
            value = getattr(model, field.attribute)
            if value is not None:
                written[field.key] = self._write_value(value, field.type_name)
        return written

    def _write_value(self, value: Any, type_name: str) -> Any:
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            if type(value) is scalar:
                return value
            if type_name == "str" and isinstance(value, enum.Enum):
                return value.value  # ActivityTypes.message and friends, as msrest writes them
            raise NotPlain(f"a {type(value).__name__} for {type_name}")
        if type_name == "object":
            if not is_plain_json(value):
                raise NotPlain("an object that is not plain JSON")
            return value  # msrest would write an equal copy; the caller only dumps it
        if type_name == "iso-8601":
            try:
                return Serializer.serialize_iso(value)
            except (SerializationError, TypeError, ValueError) as exc:
                raise NotPlain("a date msrest refuses") from exc
        if type_name.startswith("[") and type_name.endswith("]"):
            if type(value) is not list:
                raise NotPlain("a list that is not a list")
            inner = type_name[1:-1]
            return [None if item is None else self._write_value(item, inner) for item in value]
        if type_name.startswith("{") and type_name.endswith("}"):
            if type(value) is not dict:
                raise NotPlain("a map that is not a dict")
            inner = type_name[1:-1]
            return {key: None if item is None else self._write_value(item, inner) for key, item in value.items()}
        self._model_class(type_name)  # a known model type; the value's own class decides its fields
        if not isinstance(value, Model):
            raise NotPlain(f"a {type(value).__name__} where a model is expected")
        return self.write(value)
