"""The digest before a meeting: the shared check-ins since the previous meeting, by museum.

Unshared answers never appear here: the digest is posted in the channel.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.answers import checkin_view
from forum.checkins.model import CheckinView, Digest, MuseumDigest
from forum.meetings.model import MeetingNotFoundError, get_meeting_by_id, list_meetings
from storage.checkins import repository as repo


async def digest_for(session: AsyncSession, meeting_id: int) -> Digest | None:
    """The digest for the meeting, or None when it is gone or cancelled."""
    try:
        meeting = await get_meeting_by_id(session, meeting_id)
    except MeetingNotFoundError:
        return None
    if meeting.is_cancelled:
        return None
    earlier = [
        m
        for m in await list_meetings(session, meeting.forum_id)
        if not m.is_cancelled and m.starts_at < meeting.starts_at
    ]
    since = max((m.starts_at for m in earlier), default=None)
    rows = await repo.shared_checkins_between(session, meeting.forum_id, since, meeting.starts_at)
    by_museum: dict[int, list[CheckinView]] = defaultdict(list)
    names = await repo.museums_by_id(session, meeting.forum_id)
    for row in rows:
        if row.museum_id is not None:
            by_museum[row.museum_id].append(await checkin_view(session, row))
    museums = tuple(
        MuseumDigest(museum_id, names.get(museum_id, ""), tuple(items))
        for museum_id, items in sorted(by_museum.items(), key=lambda kv: names.get(kv[0], "").casefold())
    )
    return Digest(meeting.id, meeting.number, meeting.starts_at, museums)


async def museum_digest(session: AsyncSession, meeting_id: int, museum_id: int) -> MuseumDigest | None:
    digest = await digest_for(session, meeting_id)
    if digest is None:
        return None
    return next((m for m in digest.museums if m.museum_id == museum_id), None)
