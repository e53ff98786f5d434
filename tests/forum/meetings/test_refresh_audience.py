"""The announcement's refresh audience over 60 members: the latest 60 who answered, newest first, by SQL."""

from __future__ import annotations

from datetime import timedelta

from forum.meetings.messages import refresh_audience
from forum.meetings.rsvp import RsvpAnswer
from forum.meetings.service import MeetingService
from forum.people.audience import REFRESH_USER_LIMIT
from tests.forum.meetings.fixtures import NOW, Sessions, seed
from tests.forum.people.test_audience import crowd
from tests.support.activities import TEAM_ID


async def test_the_latest_sixty_who_answered_newest_first(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    people = crowd(REFRESH_USER_LIMIT + 10)
    await seeded.roster.add_members(seeded.forum_id, people)
    meeting = await MeetingService(sessions).by_number(seeded.forum_id, 1)
    for minute, person in enumerate(people[: REFRESH_USER_LIMIT + 5]):
        service = MeetingService(sessions, clock=lambda minute=minute: NOW + timedelta(minutes=minute))
        await service.answer(await seeded.roster.identify(person, TEAM_ID), meeting.id, RsvpAnswer.ON_SITE)

    async with sessions() as session:
        ids = await refresh_audience(session, meeting)
    assert ids is not None and len(ids) == REFRESH_USER_LIMIT
    assert ids[0] == people[REFRESH_USER_LIMIT + 4].teams_user_id  # the newest answer first
    assert people[0].teams_user_id not in ids  # the five earliest fell off
