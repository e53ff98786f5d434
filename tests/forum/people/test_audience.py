"""A shared card's refresh audience: everyone up to 60 members, else the latest 60 who answered."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from forum.people.audience import REFRESH_USER_LIMIT, refresh_user_ids
from forum.types import MemberInfo
from tests.forum.meetings.fixtures import Sessions, seed
from tests.support.activities import EVERYONE, TENANT_ID


def crowd(size: int) -> list[MemberInfo]:
    return [MemberInfo(f"29:crowd-{n}", f"Crowd {n}", None, f"crowd{n}@museo.fi", TENANT_ID) for n in range(size)]


async def test_up_to_sixty_members_nobody_is_listed_and_the_answerers_are_not_even_read(sessions: Sessions) -> None:
    seeded = await seed(sessions, EVERYONE)
    await seeded.roster.add_members(seeded.forum_id, crowd(REFRESH_USER_LIMIT - len(EVERYONE)))
    asked: list[int] = []

    async def latest(_session: AsyncSession, limit: int) -> Sequence[str]:
        asked.append(limit)
        return []

    async with sessions() as session:
        assert await refresh_user_ids(session, seeded.forum_id, latest) is None
    assert asked == []


async def test_over_sixty_the_latest_sixty_answerers_are_listed(sessions: Sessions) -> None:
    seeded = await seed(sessions, EVERYONE)
    await seeded.roster.add_members(seeded.forum_id, crowd(REFRESH_USER_LIMIT))

    async def latest(_session: AsyncSession, limit: int) -> Sequence[str]:
        return [f"29:crowd-{n}" for n in range(limit + 5)]  # a sloppy query is cut to the limit

    async with sessions() as session:
        ids = await refresh_user_ids(session, seeded.forum_id, latest)
    assert ids is not None and len(ids) == REFRESH_USER_LIMIT and ids[0] == "29:crowd-0"
