"""Looking for a person in every table: the proof that erasure left nothing behind.

Why every table from the metadata: a table added later (check-ins, the poll) is searched
too without anyone remembering to add it here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Base
from tests.support.activities import User, personal_conversation


@dataclass(frozen=True)
class Trace:
    table: str
    column: str
    needle: str
    value: str


def needles_of(user: User) -> tuple[str, ...]:
    """What identifies ``user`` wherever it is written: name, e-mail, ids, their 1:1 chat."""
    return (user.name, user.email, user.id, user.aad_object_id, personal_conversation(user)["id"])


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


async def all_rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in ``storage.models``' metadata, as dicts."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = [dict(row._mapping) for row in result.all()]
    return rows


async def traces_of(sessions: async_sessionmaker[AsyncSession], *users: User) -> list[Trace]:
    """Every column value in the database that still names one of ``users``."""
    found: list[Trace] = []
    for table, rows in (await all_rows(sessions)).items():
        for row in rows:
            for column, value in row.items():
                text = _text(value).casefold()
                for user in users:
                    for needle in needles_of(user):
                        if needle.casefold() in text:
                            found.append(Trace(table, column, needle, _text(value)[:200]))
    return found
