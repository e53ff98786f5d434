"""Key/value documents with e-tags: the table behind the bot's dialog state.

Plain SQL, no botbuilder types: ``bot/sql_storage.py`` adapts this to the
SDK's ``Storage`` interface, so the SDK's imports stay inside ``bot/``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import BotStateRow

logger = logging.getLogger(__name__)


class ETagConflictError(Exception):
    """Someone else wrote the document since it was read."""


@dataclass(frozen=True)
class StoredDocument:
    document: str
    etag: str


@dataclass(frozen=True)
class DocumentWrite:
    """A document to store; ``expected_etag`` None or ``*`` means last write wins."""

    document: str
    expected_etag: str | None = None


class StateStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]:
        wanted = list(keys)
        if not wanted:
            return {}
        async with self._sessions() as session:
            rows = await session.scalars(select(BotStateRow).where(BotStateRow.key.in_(wanted)))
            return {row.key: StoredDocument(row.document, str(row.etag)) for row in rows}

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]:
        """Write all changes in one transaction; returns the new e-tags.

        An optimistic-concurrency miss on any key rolls the whole write back,
        so a turn never half-saves its state.
        """
        new_etags: dict[str, str] = {}
        async with self._sessions() as session, session.begin():
            for key, change in changes.items():
                new_etags[key] = await self._write_one(session, key, change)
        return new_etags

    @staticmethod
    async def _write_one(session: AsyncSession, key: str, change: DocumentWrite) -> str:
        expected = change.expected_etag
        if expected in (None, "*"):
            existing = await session.get(BotStateRow, key, with_for_update=True)
            if existing is None:
                try:
                    async with session.begin_nested():
                        session.add(BotStateRow(key=key, document=change.document, etag=1))
                    return "1"
                except IntegrityError:
                    existing = await session.get(BotStateRow, key, with_for_update=True)
                    if existing is None:  # pragma: no cover - deleted in between
                        raise ETagConflictError(key) from None
            existing.document = change.document
            existing.etag += 1
            return str(existing.etag)
        try:
            expected_number = int(expected)
        except ValueError as exc:
            raise ETagConflictError(f"{key}: e-tag {expected!r} is not ours") from exc
        result = await session.execute(
            update(BotStateRow)
            .where(BotStateRow.key == key, BotStateRow.etag == expected_number)
            .values(document=change.document, etag=expected_number + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ETagConflictError(f"{key}: stored e-tag is not {expected}")
        return str(expected_number + 1)

    async def delete(self, keys: Iterable[str]) -> None:
        wanted = list(keys)
        if not wanted:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(BotStateRow).where(BotStateRow.key.in_(wanted)))
