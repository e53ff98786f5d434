"""Quiet hours: weekdays 08:00–20:00 in the forum's zone, DST weekends included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from forum.delivery.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    NEVER_QUIET,
    QuietHoursError,
    is_quiet,
    next_allowed_time,
    parse_quiet_hours,
)

HELSINKI = "Europe/Helsinki"
HEL = ZoneInfo(HELSINKI)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HEL)


def test_working_hours_pass_through_unchanged() -> None:
    moment = local(2026, 11, 25, 12, 30)  # Wednesday
    assert not is_quiet(moment, HELSINKI)
    assert next_allowed_time(moment, HELSINKI) == moment
    assert next_allowed_time(moment, HELSINKI).tzinfo == UTC


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 11, 25, 20, 0), local(2026, 11, 26, 8, 0)),  # Wed 20:00 is already quiet
        (local(2026, 11, 25, 19, 59), local(2026, 11, 25, 19, 59)),  # one minute before: allowed
        (local(2026, 11, 26, 7, 59), local(2026, 11, 26, 8, 0)),  # Thu early morning
        (local(2026, 11, 26, 0, 0), local(2026, 11, 26, 8, 0)),  # midnight
        (local(2026, 11, 27, 21, 0), local(2026, 11, 30, 8, 0)),  # Friday evening → Monday
        (local(2026, 11, 28, 12, 0), local(2026, 11, 30, 8, 0)),  # Saturday noon → Monday
        (local(2026, 11, 29, 23, 59), local(2026, 11, 30, 8, 0)),  # Sunday night → Monday
        (local(2026, 11, 30, 8, 0), local(2026, 11, 30, 8, 0)),  # Monday 08:00 sharp: allowed
    ],
)
def test_quiet_moments_wait_for_the_next_working_morning(moment: datetime, expected: datetime) -> None:
    assert next_allowed_time(moment, HELSINKI) == expected


def test_spring_forward_weekend_gives_monday_eight_local_time() -> None:
    # 29 March 2026: Helsinki goes from UTC+2 to UTC+3 at 03:00 on Sunday.
    friday_night = local(2026, 3, 27, 22, 0)
    assert friday_night.utcoffset() == timedelta(hours=2)
    result = next_allowed_time(friday_night, HELSINKI)
    assert result == datetime(2026, 3, 30, 5, 0, tzinfo=UTC)  # 08:00 EEST
    assert result.astimezone(HEL).hour == 8
    # In the lost hour itself (03:30 does not exist on the wall clock): still Monday 08:00.
    in_the_gap = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert next_allowed_time(in_the_gap, HELSINKI) == datetime(2026, 3, 30, 5, 0, tzinfo=UTC)


def test_fall_back_weekend_gives_monday_eight_local_time() -> None:
    # 25 October 2026: Helsinki goes from UTC+3 back to UTC+2 at 04:00 on Sunday.
    saturday = local(2026, 10, 24, 10, 0)
    assert saturday.utcoffset() == timedelta(hours=3)
    result = next_allowed_time(saturday, HELSINKI)
    assert result == datetime(2026, 10, 26, 6, 0, tzinfo=UTC)  # 08:00 EET
    # Both 03:30s of the repeated hour wait for the same Monday morning.
    first, second = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first.astimezone(HEL).hour == second.astimezone(HEL).hour == 3
    assert next_allowed_time(first, HELSINKI) == next_allowed_time(second, HELSINKI) == result


def test_the_forums_zone_decides_not_utc() -> None:
    # 06:30 UTC on a Monday is 08:30 in Helsinki (winter) but 07:30 in Stockholm.
    moment = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert not is_quiet(moment, HELSINKI)
    assert next_allowed_time(moment, "Europe/Stockholm") == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        next_allowed_time(datetime(2026, 11, 25, 12, 0), HELSINKI)


def test_a_forums_own_window_hours_weekends_or_none() -> None:
    friday_evening = local(2026, 11, 27, 21, 30)
    saturday_noon = local(2026, 11, 28, 12, 0)
    late = parse_quiet_hours("22:00-07:00", False)
    assert late.setting() == "22:00-07:00"
    assert not late.is_quiet(friday_evening, HELSINKI) and not late.is_quiet(saturday_noon, HELSINKI)
    assert late.next_allowed(local(2026, 11, 27, 23, 0), HELSINKI) == local(2026, 11, 28, 7, 0)
    never = parse_quiet_hours("none", None)
    assert never == NEVER_QUIET and never.never and not never.is_quiet(local(2026, 11, 29, 3, 0), HELSINKI)
    lunch = parse_quiet_hours("12:00-13:00", None)  # a window inside the day works too
    assert lunch.is_quiet(local(2026, 11, 25, 12, 30), HELSINKI) and not lunch.is_quiet(friday_evening, HELSINKI)
    assert parse_quiet_hours(None, False).weekends is False and parse_quiet_hours(None, None) == DEFAULT_QUIET_HOURS
    for bad in ("20-08", "25:00-08:00", "evening"):
        with pytest.raises(QuietHoursError):
            parse_quiet_hours(bad, None)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 11, 25, 12, 0), local(2026, 11, 25, 12, 0)),  # allowed: itself
        (local(2026, 11, 25, 21, 0), local(2026, 11, 25, 19, 59)),  # Wed evening: 19:59 that day
        (local(2026, 11, 26, 6, 0), local(2026, 11, 25, 19, 59)),  # Thu early: the evening before
        (local(2026, 11, 29, 7, 0), local(2026, 11, 27, 19, 59)),  # Sunday: Friday 19:59
        (local(2026, 11, 30, 7, 0), local(2026, 11, 27, 19, 59)),  # Monday 07:00: still Friday
    ],
)
def test_the_last_allowed_moment_before_a_quiet_spell(moment: datetime, expected: datetime) -> None:
    assert DEFAULT_QUIET_HOURS.last_allowed_before(moment, HELSINKI) == expected
