"""Creating, editing and cancelling meetings: rules first, nothing half-saved, revisions counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from forum.meetings.announcements import AlreadyAnnouncedError
from forum.meetings.model import MeetingCancelledError, MeetingDraft, MeetingInvalidError, MeetingOverError, draft_of
from forum.meetings.service import MeetingService
from forum.people.permissions import NotCoordinatorError
from tests.forum.meetings.fixtures import NOW, START, Sessions, jobs, outbox, seed
from tests.support.activities import KAISA, MATTI


def new_draft(**changes: object) -> MeetingDraft:
    base = MeetingDraft(
        number=2,
        theme="Vaikuttavuus ja tiekartta",
        starts_at=START + timedelta(days=56),
        ends_at=START + timedelta(days=56, hours=6),
        host_museum="Ateneum",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_create_plans_reminders_and_invalid_saves_nothing(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    kaisa = await seeded.actor(KAISA)
    with pytest.raises(MeetingInvalidError) as caught:
        await service.create(kaisa, seeded.forum_id, new_draft(theme="", host_museum="Louvre", join_url="x"))
    assert set(caught.value.errors) == {"theme", "host", "join_url"}
    with pytest.raises(MeetingInvalidError) as taken:
        await service.create(kaisa, seeded.forum_id, new_draft(number=1))
    assert taken.value.errors == {"number": "meeting.error.number_taken"}
    assert [m.number for m in await service.meetings(seeded.forum_id)] == [1]

    created = await service.create(kaisa, seeded.forum_id, new_draft())
    assert created.revision == 1 and created.host_museum == "Ateneum"
    assert f"meeting:{created.id}:reminder:168h" in await jobs(sessions)


async def test_participants_cannot_change_meetings(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    matti = await seeded.actor(MATTI)
    meeting = await service.by_number(seeded.forum_id, 1)
    with pytest.raises(NotCoordinatorError):
        await service.create(matti, seeded.forum_id, new_draft())
    with pytest.raises(NotCoordinatorError):
        await service.edit(matti, meeting.id, replace(draft_of(meeting), theme="Toinen"))
    with pytest.raises(NotCoordinatorError):
        await service.cancel(matti, meeting.id)
    with pytest.raises(NotCoordinatorError):
        await service.post(matti, meeting.id)
    assert (await service.by_id(meeting.id)).revision == 1
    assert await outbox(sessions) == []


async def test_every_edit_bumps_the_revision_and_updates_a_posted_card(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    kaisa = await seeded.actor(KAISA)
    meeting = await service.by_number(seeded.forum_id, 1)
    posted = await service.post(kaisa, meeting.id)
    assert posted.announcement_key == f"meeting:{meeting.id}:announcement:r1"
    with pytest.raises(AlreadyAnnouncedError):
        await service.post(kaisa, meeting.id)

    edited = await service.edit(kaisa, meeting.id, replace(draft_of(meeting), theme="Uusi teema", number=99))
    assert edited.revision == 2 and edited.number == 1 and edited.edited_since_announced
    same = await service.edit(kaisa, meeting.id, draft_of(edited))
    assert same.revision == 2
    rows = await outbox(sessions)
    # The post is still pending: it renders the meeting as it is when it goes, so the edit
    # needs no update of its own (tests/bot/meetings: an edit after posting updates in place).
    assert [(row.operation, row.idempotency_key.rsplit(":", 1)[-1]) for row in rows] == [("send", "r1")]
    assert rows[0].data == {"meeting_id": meeting.id} and rows[0].payload is None

    cancelled, changed = await service.cancel(kaisa, meeting.id)
    assert changed and cancelled.revision == 3 and cancelled.is_cancelled
    _, again = await service.cancel(kaisa, meeting.id)
    assert not again
    with pytest.raises(MeetingCancelledError):
        await service.edit(kaisa, meeting.id, draft_of(edited))
    assert len(await outbox(sessions)) == 1


async def test_a_past_meeting_can_be_corrected_but_not_moved_into_the_past_or_posted(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    later = START + timedelta(days=1)
    service = MeetingService(sessions, clock=lambda: later)
    kaisa = await seeded.actor(KAISA)
    meeting = await service.by_number(seeded.forum_id, 1)
    fixed = await service.edit(kaisa, meeting.id, replace(draft_of(meeting), theme="Korjattu teema"))
    assert fixed.theme == "Korjattu teema"
    with pytest.raises(MeetingInvalidError) as caught:
        await service.edit(
            kaisa, meeting.id, replace(draft_of(meeting), starts_at=meeting.starts_at - timedelta(hours=1))
        )
    assert caught.value.errors == {"date": "meeting.error.in_past"}
    with pytest.raises(MeetingOverError):
        await service.post(kaisa, meeting.id)
