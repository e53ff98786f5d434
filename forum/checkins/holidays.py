"""Finnish public holidays, so that a scheduled round never opens on one.

Why computed and not a list: the programme runs for years, and the moving holidays
(Easter and what hangs on it, Midsummer, All Saints' Day) follow fixed rules.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _saturday_between(year: int, month: int, first_day: int) -> date:
    start = date(year, month, first_day)
    return start + timedelta(days=(5 - start.weekday()) % 7)


@cache
def finnish_holidays(year: int) -> frozenset[date]:
    """The official holidays and the eves people take off (Midsummer Eve, Christmas Eve)."""
    easter = easter_sunday(year)
    midsummer_day = _saturday_between(year, 6, 20)
    all_saints = _saturday_between(year, 10, 31)
    return frozenset(
        {
            date(year, 1, 1),
            date(year, 1, 6),
            easter - timedelta(days=2),
            easter,
            easter + timedelta(days=1),
            date(year, 5, 1),
            easter + timedelta(days=39),
            easter + timedelta(days=49),
            midsummer_day - timedelta(days=1),
            midsummer_day,
            all_saints,
            date(year, 12, 6),
            date(year, 12, 24),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_holiday(day: date) -> bool:
    return day in finnish_holidays(day.year)
