"""Rounds follow the programme: a moved meeting moves its rounds, a cancelled one merges them into the next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.components import DATABASE
from storage.models import MeetingRow
from tests.bot.checkins.helpers import press, programme, rounds, seed
from tests.bot.meetings.helpers import future_day
from tests.support.activities import KAISA
from tests.support.driver import Driver


async def test_reimporting_a_moved_meeting_moves_its_rounds(driver: Driver) -> None:
    first = future_day(3)
    await seed(driver, programme(first, gap_days=60))
    before = [(r.key, r.opens_at, r.closes_at) for r in await rounds(driver)]
    await seed(driver, programme(first, gap_days=74), install=False)
    after = [(r.key, r.opens_at, r.closes_at) for r in await rounds(driver)]
    assert [k for k, _, _ in after] == [k for k, _, _ in before]  # the same rounds, moved
    assert after[1][2] - before[1][2] == timedelta(days=14)


async def test_cancelling_a_meeting_merges_its_rounds_into_the_next(driver: Driver) -> None:
    await seed(driver, programme(future_day(3), gap_days=40, count=3))
    planned = await rounds(driver)
    assert len(planned) == 4
    async with driver.client.server.app[DATABASE].sessions() as session:
        second = await session.scalar(select(MeetingRow).where(MeetingRow.number == 2))
        third = await session.scalar(select(MeetingRow).where(MeetingRow.number == 3))
    assert second is not None and third is not None
    await press(driver, KAISA, "meeting.cancel_confirm", {"meetingId": second.id})
    live = [r for r in await rounds(driver) if not r.cancelled]
    assert len(live) == 2 and {r.meeting_id for r in live} == {third.id}
    assert live[-1].closes_at == third.starts_at
