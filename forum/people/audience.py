"""Who a shared card's ``refresh`` names: the people whose Teams fetch their own view of it.

Why one helper for every card with personal views (the meeting's
announcement, the poll): Teams refreshes a card automatically for everyone in
a conversation of at most 60 members when ``userIds`` is left out, and for at
most 60 listed users otherwise. So a forum of 60 or fewer lists nobody (the
card stays small and everyone gets their view), and a larger one lists the
60 who answered most recently (their view shows their answer; the rest see
the shared card and their answer after pressing). The count and the list are
both read with SQL (``COUNT``, ``LIMIT``), never by loading the members.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from storage import roster_repository as repo

REFRESH_USER_LIMIT = 60
"""Teams fetches a personal view automatically for at most 60 users (and for everyone up to 60 members)."""

LatestAnswerers = Callable[[AsyncSession, int], Awaitable[Sequence[str]]]
"""``(session, limit)`` → Teams user ids of the latest people who answered, newest first, at most ``limit``."""


async def refresh_user_ids(session: AsyncSession, forum_id: int, latest: LatestAnswerers) -> list[str] | None:
    """None: leave ``userIds`` out (Teams refreshes for everyone); else the ids to list (may be empty)."""
    if await repo.active_member_count(session, forum_id) <= REFRESH_USER_LIMIT:
        return None
    return list(await latest(session, REFRESH_USER_LIMIT))[:REFRESH_USER_LIMIT]
