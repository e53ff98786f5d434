"""RSVP in the domain: one row per person, counts, who may see names, and when answers close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.meetings.model import MeetingCancelledError, MeetingOverError
from forum.meetings.rsvp import NamesNotAllowedError, NotParticipantError, RsvpAnswer, RsvpCounts
from forum.meetings.service import MeetingService
from tests.forum.meetings.fixtures import NOW, START, Sessions, claim_rendered, member, outbox, seed
from tests.support.activities import ANNA, ERIK, KAISA, LIISA, MATTI


async def test_answers_count_once_per_person_and_change_in_place(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    meeting = await service.by_number(seeded.forum_id, 1)
    matti, anna = await seeded.actor(MATTI), await seeded.actor(ANNA)

    first = await service.answer(matti, meeting.id, RsvpAnswer.ON_SITE)
    again = await service.answer(matti, meeting.id, RsvpAnswer.ON_SITE)
    assert first.changed and not again.changed
    assert again.counts == RsvpCounts(on_site=1)
    changed = await service.answer(matti, meeting.id, RsvpAnswer.ONLINE)
    await service.answer(anna, meeting.id, RsvpAnswer.CANNOT)
    assert changed.changed and changed.version != first.version
    standing = await service.standing(meeting.id, matti.person.id)
    assert standing.counts == RsvpCounts(online=1, cannot=1) and standing.answer is RsvpAnswer.ONLINE


async def test_an_answer_updates_the_posted_card_only_when_it_changed(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    meeting = await service.by_number(seeded.forum_id, 1)
    matti = await seeded.actor(MATTI)
    await service.answer(matti, meeting.id, RsvpAnswer.ON_SITE)  # not posted yet: nothing to update
    assert await outbox(sessions) == []

    await service.post(await seeded.actor(KAISA), meeting.id)
    await service.answer(matti, meeting.id, RsvpAnswer.ONLINE)
    await service.answer(matti, meeting.id, RsvpAnswer.ONLINE)
    rows = await outbox(sessions)
    assert [row.operation for row in rows] == ["send"]
    # The post is still pending: it is rendered when it goes, with the newest counts, once.
    [post] = await claim_rendered(sessions, seeded.renderer, NOW)
    assert post.activity["text"].endswith("0/1/0")
    assert [row.status for row in await outbox(sessions)] == ["sending"]

    await service.answer(matti, meeting.id, RsvpAnswer.CANNOT)  # being sent: an update waits for it
    await service.answer(matti, meeting.id, RsvpAnswer.ON_SITE)  # coalesced into that update
    assert [row.operation for row in await outbox(sessions)] == ["send", "update"]


async def test_names_only_for_coordinators_and_the_host_museum(sessions: Sessions) -> None:
    seeded = await seed(sessions)
    service = MeetingService(sessions, clock=lambda: NOW)
    meeting = await service.by_number(seeded.forum_id, 1)
    await service.answer(await seeded.actor(MATTI), meeting.id, RsvpAnswer.ON_SITE)
    await service.answer(await seeded.actor(ANNA), meeting.id, RsvpAnswer.CANNOT)

    with pytest.raises(NamesNotAllowedError):
        await service.names(await seeded.actor(ERIK), seeded.forum_id, 1)
    host = await service.names(await seeded.actor(LIISA), seeded.forum_id, 1)  # Liisa works at the host museum
    assert host.on_site == ("Matti Museolainen",) and host.cannot == ("Anna Anttila",)
    assert "Erik Sandström" in host.unanswered and "Liisa Lahtinen (Tampereen museot)" in host.unanswered
    coordinator = await service.names(await seeded.actor(KAISA), seeded.forum_id, 1)
    assert coordinator.on_site == host.on_site


async def test_no_answers_after_cancellation_or_the_end_or_from_outsiders(sessions: Sessions) -> None:
    seeded = await seed(sessions, (KAISA, MATTI))
    meeting_id = (await MeetingService(sessions).by_number(seeded.forum_id, 1)).id
    matti = await seeded.actor(MATTI)

    after_end = MeetingService(sessions, clock=lambda: START + timedelta(hours=7))
    with pytest.raises(MeetingOverError):
        await after_end.answer(matti, meeting_id, RsvpAnswer.ON_SITE)

    outsider = await seeded.roster.identify(member(ERIK), None)
    service = MeetingService(sessions, clock=lambda: NOW)
    with pytest.raises(NotParticipantError):
        await service.answer(outsider, meeting_id, RsvpAnswer.ON_SITE)

    await service.cancel(await seeded.actor(KAISA), meeting_id)
    with pytest.raises(MeetingCancelledError):
        await service.answer(matti, meeting_id, RsvpAnswer.ON_SITE)
    assert (await service.standing(meeting_id)).counts == RsvpCounts()
