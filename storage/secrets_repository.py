"""Secrets the bot makes for itself once and keeps (``app_secret``).

Why ``ON CONFLICT DO NOTHING`` and read back: two replicas starting at once must end up
with the same secret, whichever inserted first.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AppSecretRow
from storage.types import utcnow

SECRET_BYTES = 32


async def get_or_create_secret(session: AsyncSession, name: str) -> str:
    """The stored secret ``name``; generated (URL-safe, 32 random bytes) the first time."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    await session.execute(
        dialect.insert(AppSecretRow)
        .values(name=name, value=secrets.token_urlsafe(SECRET_BYTES), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    value = await session.scalar(select(AppSecretRow.value).where(AppSecretRow.name == name))
    if value is None:  # pragma: no cover - inserted or kept just above
        raise RuntimeError(f"secret {name!r} missing right after insert")
    return value
