"""The botbuilder ``Storage`` for conversation and user state, on SQL.

Why jsonpickle: dialog state holds SDK objects (``DialogState``,
``DialogInstance``); the SDK's own Azure storages round-trip them with
jsonpickle, so we do the same and stay compatible with its state shapes.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botbuilder.core import Storage
from jsonpickle import encode
from jsonpickle.unpickler import Unpickler

from storage.state_store import DocumentWrite, ETagConflictError, StateStore

logger = logging.getLogger(__name__)


def _etag_of(item: Any) -> str | None:
    if isinstance(item, dict):
        return item.get("e_tag")
    return getattr(item, "e_tag", None)


def _set_etag(item: Any, etag: str) -> None:
    if isinstance(item, dict):
        item["e_tag"] = etag
    elif hasattr(item, "e_tag"):
        item.e_tag = etag


class SqlStorage(Storage):
    """Conversation/user state in the ``bot_state`` table, with e-tags."""

    def __init__(self, store: StateStore) -> None:
        super().__init__()
        self._store = store

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        found = await self._store.read(keys)
        items: dict[str, Any] = {}
        for key, stored in found.items():
            raw = json.loads(stored.document)
            if isinstance(raw, dict):
                raw["e_tag"] = stored.etag
            items[key] = Unpickler().restore(raw)
        return items

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise TypeError("changes are required when writing")
        if not changes:
            return
        writes: dict[str, DocumentWrite] = {}
        for key, item in changes.items():
            etag = _etag_of(item)
            if etag == "":
                raise ValueError(f"SqlStorage.write: e-tag of {key} is empty")
            writes[key] = DocumentWrite(encode(item, unpicklable=True), etag)
        try:
            new_etags = await self._store.write(writes)
        except ETagConflictError as exc:
            # The SDK's storages raise on a conflict; callers treat it as "reload and retry".
            raise KeyError(f"e-tag conflict: {exc}") from exc
        for key, etag in new_etags.items():
            _set_etag(changes[key], etag)

    async def delete(self, keys: list[str]) -> None:
        await self._store.delete(keys)
