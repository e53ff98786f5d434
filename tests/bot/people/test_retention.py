"""Leavers and closed forums: stopped at once, erased after the grace period or retention, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import ErasureRecordRow, ForumRow, MeetingRow, MuseumRow, OutboxMessageRow, ParticipantRow
from tests.bot.people.helpers import (
    forum_with_programme,
    give_data,
    outbox_row,
    outbox_to,
    person_of,
    run_daily_jobs,
    sessions_of,
)
from tests.support.activities import (
    ANNA,
    EVERYONE,
    KAISA,
    MATTI,
    installation_update,
    members_added,
    members_removed,
    personal_message,
)
from tests.support.driver import Driver
from tests.support.personal_data import traces_of


async def reasons(driver: Driver) -> list[str]:
    async with sessions_of(driver)() as session:
        return [r.reason for r in (await session.scalars(select(ErasureRecordRow).order_by(ErasureRecordRow.id))).all()]


async def test_a_leaver_gets_nothing_more_at_once_and_is_erased_after_the_grace_period(driver: Driver) -> None:
    await forum_with_programme(driver)
    await give_data(driver, MATTI)
    await give_data(driver, ANNA)
    waiting = await outbox_to(driver, f"test:waiting:{MATTI.key}")
    assert waiting is not None and waiting.status == "pending"

    await driver.send(members_removed(driver.service_url, KAISA, [MATTI.id]))
    assert (await outbox_row(driver, waiting.id)).status == "cancelled"
    assert (await outbox_to(driver, f"test:waiting:{ANNA.key}")).status == "pending"  # type: ignore[union-attr]
    matti = await person_of(driver, MATTI)
    assert matti is not None

    left = datetime.now(UTC)
    await run_daily_jobs(driver, left + timedelta(days=89))
    assert await person_of(driver, MATTI) is not None  # still within the 90 days

    await run_daily_jobs(driver, left + timedelta(days=91))
    assert await traces_of(sessions_of(driver), MATTI) == []
    assert {t.table for t in await traces_of(sessions_of(driver), ANNA)} >= {"person", "outbox_message"}
    assert await reasons(driver) == ["leaver"]


async def test_a_member_who_rejoins_is_kept(driver: Driver) -> None:
    await forum_with_programme(driver)
    await give_data(driver, ANNA)
    await driver.send(members_removed(driver.service_url, KAISA, [ANNA.id]))
    await driver.send(members_added(driver.service_url, KAISA, (ANNA,)))
    anna = await person_of(driver, ANNA)
    assert anna is not None
    async with sessions_of(driver)() as session:
        row = await session.scalar(select(ParticipantRow).where(ParticipantRow.person_id == anna.id))
        assert row is not None and row.active and row.left_at is None
    await run_daily_jobs(driver, datetime.now(UTC) + timedelta(days=120))
    assert await person_of(driver, ANNA) is not None and await reasons(driver) == []


async def test_a_closed_forum_tells_its_coordinators_then_erases_its_people(driver: Driver) -> None:
    last_meeting = datetime.now(UTC) - timedelta(days=60)
    await forum_with_programme(driver, last_meeting.replace(hour=10, minute=0, second=0, microsecond=0))
    await driver.send(personal_message(driver.service_url, MATTI, "kieli sv"))  # the meeting is over: no RSVP
    await driver.send(installation_update(driver.service_url, KAISA, action="remove"))
    async with sessions_of(driver)() as session:
        forum = await session.scalar(select(ForumRow))
        assert forum is not None and not forum.active and forum.deactivated_at is not None
        closed = forum.deactivated_at
    erase_at = closed.replace(year=closed.year + 1)  # FORUM_RETENTION_MONTHS = 12 after the later of the two

    await run_daily_jobs(driver, erase_at - timedelta(days=40))
    async with sessions_of(driver)() as session:
        assert (
            await session.scalars(select(OutboxMessageRow).where(OutboxMessageRow.purpose == "retention_notice"))
        ).all() == []

    await run_daily_jobs(driver, erase_at - timedelta(days=20))
    kaisa = await person_of(driver, KAISA)
    assert kaisa is not None
    async with sessions_of(driver)() as session:
        notices = (
            await session.scalars(select(OutboxMessageRow).where(OutboxMessageRow.purpose == "retention_notice"))
        ).all()
    assert [n.recipient_person_id for n in notices] == [kaisa.id]
    assert "poistetaan" in notices[0].payload["text"]
    assert await traces_of(sessions_of(driver), MATTI) != []

    await run_daily_jobs(driver, erase_at + timedelta(days=1))
    assert await traces_of(sessions_of(driver), *EVERYONE) == []
    async with sessions_of(driver)() as session:
        assert (await session.scalars(select(ParticipantRow))).all() == []
        assert len((await session.scalars(select(MeetingRow))).all()) == 1  # the programme stays
        assert len((await session.scalars(select(MuseumRow))).all()) == 2
        assert await session.scalar(select(ForumRow)) is not None
    assert await reasons(driver) == ["retention"] * len(EVERYONE)
