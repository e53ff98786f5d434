"""Round dates: halfway and a week before, never on a Finnish public holiday or in July."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from forum.checkins.calendar import MeetingSlot, OffsetError, RoundPolicy, parse_offset, plan_rounds
from forum.checkins.holidays import easter_sunday, finnish_holidays
from forum.checkins.pairs import rotation_pairs

ZONE = ZoneInfo("Europe/Helsinki")


def slot(number: int, day: date) -> MeetingSlot:
    start = datetime(day.year, day.month, day.day, 10, tzinfo=ZONE)
    return MeetingSlot(number, number, start, start.replace(hour=16))


def test_holidays_of_2026() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    days = finnish_holidays(2026)
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 14), date(2026, 6, 19), date(2026, 6, 20)} <= days
    assert {date(2026, 10, 31), date(2026, 12, 6), date(2026, 12, 24)} <= days


def test_two_rounds_between_meetings_closing_at_the_next_one() -> None:
    planned = plan_rounds([slot(1, date(2026, 2, 4)), slot(2, date(2026, 4, 1))], RoundPolicy(), "Europe/Helsinki")
    first, second = planned
    assert first.opens_at.astimezone(ZONE).date() == date(2026, 3, 4)
    assert second.opens_at.astimezone(ZONE).date() == date(2026, 3, 25)
    assert first.closes_at == second.opens_at and second.closes_at.astimezone(ZONE).hour == 10
    assert first.opens_at.astimezone(ZONE).hour == 9


def test_the_summer_round_moves_out_of_july_and_off_holidays() -> None:
    summer = plan_rounds([slot(1, date(2026, 6, 10)), slot(2, date(2026, 9, 16))], RoundPolicy(), "Europe/Helsinki")
    assert summer[0].opens_at.astimezone(ZONE).date() == date(2026, 8, 1)
    # halfway between 1 Dec and 20 Jan is 26 Dec (a holiday): the next allowed day
    winter = plan_rounds([slot(1, date(2025, 12, 1)), slot(2, date(2026, 1, 20))], RoundPolicy(), "Europe/Helsinki")
    assert winter[0].opens_at.astimezone(ZONE).date() == date(2025, 12, 27)
    # a forum may allow July
    open_summer = plan_rounds(
        [slot(1, date(2026, 6, 10)), slot(2, date(2026, 9, 16))],
        RoundPolicy(blocked_months=frozenset()),
        "Europe/Helsinki",
    )
    assert open_summer[0].opens_at.astimezone(ZONE).month == 7


def test_a_cancelled_meeting_is_left_out_so_its_rounds_merge_into_the_next() -> None:
    planned = plan_rounds([slot(1, date(2026, 2, 4)), slot(3, date(2026, 6, 3))], RoundPolicy(), "Europe/Helsinki")
    assert [p.meeting_id for p in planned] == [3, 3]


def test_offsets() -> None:
    with pytest.raises(OffsetError):
        parse_offset("soon", datetime(2026, 1, 1, tzinfo=ZONE), datetime(2026, 2, 1, tzinfo=ZONE))


def test_rotation_gives_everyone_a_friend_each_turn() -> None:
    for turn in range(4):
        pairs = rotation_pairs(list(range(13)), turn)
        assert {m for pair in pairs for m in pair} == set(range(13))
    assert rotation_pairs(list(range(4)), 0) != rotation_pairs(list(range(4)), 1)
