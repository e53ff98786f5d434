"""A busy database is waited for: the check-in write is tried again, not shown as an error."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.checkins import service as service_module
from forum.checkins.service import CheckinService


async def test_a_locked_database_is_retried_and_other_errors_are_not(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "BUSY_PAUSE_SECONDS", 0.0)
    service = CheckinService(sessions)
    calls: list[int] = []

    async def flaky(_session: AsyncSession) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return "saved"

    assert await service._write(flaky) == "saved" and len(calls) == 3

    async def broken(_session: AsyncSession) -> str:
        raise OperationalError("SELECT", {}, Exception("no such table: x"))

    with pytest.raises(OperationalError):
        await service._write(broken)
