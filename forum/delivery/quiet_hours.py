"""When the bot may write to people: weekdays 08:00–20:00 in the forum's zone.

Why a pure function of (moment, zone): the outbox computes a message's
earliest send time once, at enqueue, and tests can check every edge (the
evening cut-off, weekends, the DST change weekends of Europe/Helsinki)
without a clock or a database.

The answer is built from the *local wall clock* (08:00 on the next weekday)
and only then turned back into an instant, so a Monday after a DST change
still gets 08:00 local time, not 07:00 or 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_STARTS = time(8, 0)
DAY_ENDS = time(20, 0)
"""The first minute that is quiet again (20:00 itself is already quiet)."""

WORKDAYS = frozenset(range(5))
"""Monday (0) to Friday (4), as ``datetime.weekday()`` counts."""


def is_quiet(moment: datetime, time_zone: str) -> bool:
    """True when ``moment`` falls in the evening, the night or a weekend of ``time_zone``."""
    local = _local(moment, time_zone)
    return local.weekday() not in WORKDAYS or not DAY_STARTS <= local.time() < DAY_ENDS


def next_allowed_time(moment: datetime, time_zone: str) -> datetime:
    """``moment`` itself when it is within working hours, else the next 08:00 on a weekday.

    The result is an aware UTC datetime (``moment`` converted when it was
    already allowed). Friday 20:00 and all of the weekend wait for Monday
    08:00; 07:59 on a Tuesday waits one minute.
    """
    if not is_quiet(moment, time_zone):
        return moment.astimezone(UTC)
    zone = ZoneInfo(time_zone)
    local = _local(moment, time_zone)
    day = local.date()
    if local.time() >= DAY_STARTS:
        day += timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day += timedelta(days=1)
    # 08:00 is never inside a DST gap or overlap in the zones we serve; fold=0
    # picks the earlier instant if a zone ever puts it there.
    return datetime.combine(day, DAY_STARTS, tzinfo=zone).astimezone(UTC)


def _local(moment: datetime, time_zone: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("quiet hours need an aware datetime")
    return moment.astimezone(ZoneInfo(time_zone))
