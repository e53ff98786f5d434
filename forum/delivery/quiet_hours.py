"""When the bot may write to people: by default weekdays 08:00–20:00 in the forum's zone.

Why a value (:class:`QuietHours`) and pure functions of (moment, zone): the
window is a forum setting (programme file ``[forum] quiet_hours`` /
``quiet_weekends``, default from the environment), the outbox worker checks
it before every try of a row, and the scheduler uses it to move a reminder
to the last allowed moment before its meeting. Tests check every edge (the
evening cut-off, weekends, the DST change weekends of Europe/Helsinki)
without a clock or a database.

Answers are built from the *local wall clock* (08:00 on the next weekday)
and only then turned back into an instant, so a Monday after a DST change
still gets 08:00 local time, not 07:00 or 09:00.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

DAY_STARTS = time(8, 0)
DAY_ENDS = time(20, 0)
"""The first minute that is quiet again (20:00 itself is already quiet)."""

WEEKEND = frozenset({5, 6})
"""Saturday and Sunday, as ``datetime.weekday()`` counts."""

NONE = "none"
LAST_MOMENT_MARGIN = timedelta(minutes=1)
""""The last allowed moment" before a quiet spell: one minute before it starts."""
MAX_STEPS = 16
"""Quiet spells crossed when looking for an allowed moment; a week has at most nine."""


class QuietHoursError(ValueError):
    """A quiet-hours setting that cannot be read (``"20:00-08:00"`` or ``"none"``)."""


@dataclass(frozen=True)
class QuietHours:
    """A forum's quiet window: nightly hours (or none) and whether weekends are quiet."""

    quiet_from: time | None = DAY_ENDS
    """The first quiet minute each day; None: no nightly quiet hours."""
    quiet_until: time = DAY_STARTS
    """The first allowed minute again (the next morning when before ``quiet_from``)."""
    weekends: bool = True

    @property
    def never(self) -> bool:
        """True when nothing is ever quiet (a forum that wants messages any time, tests)."""
        return self.quiet_from is None and not self.weekends

    def setting(self) -> str:
        """The nightly hours as written in the programme file: ``"20:00-08:00"`` or ``"none"``."""
        if self.quiet_from is None:
            return NONE
        return f"{self.quiet_from:%H:%M}-{self.quiet_until:%H:%M}"

    def is_quiet(self, moment: datetime, time_zone: str) -> bool:
        local = _local(moment, time_zone)
        return self._weekend(local.date()) or self._night(local.time())

    def next_allowed(self, moment: datetime, time_zone: str) -> datetime:
        """``moment`` itself when allowed, else the first allowed instant after it (aware UTC)."""
        zone = ZoneInfo(time_zone)
        candidate = _local(moment, time_zone).astimezone(UTC)
        for _ in range(MAX_STEPS):
            local = _local(candidate, time_zone)
            if self._weekend(local.date()):
                candidate = _at(local.date() + timedelta(days=1), time(0, 0), zone)
            elif self._night(local.time()):
                day = local.date()
                if self.quiet_from is not None and self._overnight and local.time() >= self.quiet_from:
                    day += timedelta(days=1)
                candidate = _at(day, self.quiet_until, zone)
            else:
                return candidate
        raise QuietHoursError(f"no allowed moment in {self.setting()} (weekends quiet: {self.weekends})")

    def last_allowed_before(self, moment: datetime, time_zone: str) -> datetime:
        """``moment`` itself when allowed, else one minute before the quiet spell it is in (aware UTC)."""
        zone = ZoneInfo(time_zone)
        candidate = _local(moment, time_zone).astimezone(UTC)
        for _ in range(MAX_STEPS):
            local = _local(candidate, time_zone)
            if self._weekend(local.date()):
                candidate = _at(local.date(), time(0, 0), zone) - LAST_MOMENT_MARGIN
            elif self._night(local.time()) and self.quiet_from is not None:
                day = local.date()
                if self._overnight and local.time() < self.quiet_until:
                    day -= timedelta(days=1)
                candidate = _at(day, self.quiet_from, zone) - LAST_MOMENT_MARGIN
            else:
                return candidate
        raise QuietHoursError(f"no allowed moment in {self.setting()} (weekends quiet: {self.weekends})")

    @property
    def _overnight(self) -> bool:
        return self.quiet_from is not None and self.quiet_from > self.quiet_until

    def _weekend(self, day: date) -> bool:
        return self.weekends and day.weekday() in WEEKEND

    def _night(self, clock: time) -> bool:
        if self.quiet_from is None or self.quiet_from == self.quiet_until:
            return False
        if self._overnight:
            return clock >= self.quiet_from or clock < self.quiet_until
        return self.quiet_from <= clock < self.quiet_until


DEFAULT_QUIET_HOURS = QuietHours()
NEVER_QUIET = QuietHours(quiet_from=None, weekends=False)


def parse_quiet_hours(
    hours: str | None, weekends: bool | None, default: QuietHours = DEFAULT_QUIET_HOURS
) -> QuietHours:
    """A setting as stored or written: ``hours`` ``"20:00-08:00"``, ``"none"`` or None (``default``'s).

    ``"none"`` with ``weekends`` unset means no quiet time at all; ``weekends``
    None keeps the default's weekends otherwise.
    """
    if hours is None:
        return QuietHours(default.quiet_from, default.quiet_until, default.weekends if weekends is None else weekends)
    text = hours.strip().lower()
    if text == NONE:
        return QuietHours(quiet_from=None, weekends=bool(weekends))
    start, separator, end = text.partition("-")
    if not separator:
        raise QuietHoursError(f"quiet hours are 'HH:MM-HH:MM' or 'none', not {hours!r}")
    quiet_from, quiet_until = _clock(start, hours), _clock(end, hours)
    return QuietHours(quiet_from, quiet_until, default.weekends if weekends is None else weekends)


def forum_quiet_hours(hours: str | None, weekends: bool | None, default: QuietHours) -> QuietHours:
    """A forum's stored setting over the process default; an unreadable one falls back to it."""
    try:
        return parse_quiet_hours(hours, weekends, default)
    except QuietHoursError as exc:
        logger.warning("%s; using the default quiet hours %s", exc, default.setting())
        return default


def _clock(text: str, whole: str) -> time:
    try:
        return time.fromisoformat(text.strip().zfill(5))
    except ValueError as exc:
        raise QuietHoursError(f"quiet hours are 'HH:MM-HH:MM' or 'none', not {whole!r}") from exc


def is_quiet(moment: datetime, time_zone: str) -> bool:
    """True when ``moment`` falls in the default quiet window (evening, night, weekend)."""
    return DEFAULT_QUIET_HOURS.is_quiet(moment, time_zone)


def next_allowed_time(moment: datetime, time_zone: str) -> datetime:
    """``moment`` itself in working hours, else the next 08:00 on a weekday (the default window).

    Friday 20:00 and all of the weekend wait for Monday 08:00; 07:59 on a
    Tuesday waits one minute.
    """
    return DEFAULT_QUIET_HOURS.next_allowed(moment, time_zone)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    # fold=0 picks the earlier instant if a zone ever puts the time in a DST overlap.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _local(moment: datetime, time_zone: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("quiet hours need an aware datetime")
    return moment.astimezone(ZoneInfo(time_zone))
