"""When the rounds between two meetings open and close: pure dates, no database.

Why these rules: by default a round opens halfway between two consecutive meetings and
another a week before the next one, so a museum reports twice between meetings and the
second answer is fresh for the sparring. A round stays open until the next one opens (or
the meeting starts), so one person has one answer per round and rounds never overlap. A
scheduled round never opens on a Finnish public holiday or in July (the holiday month):
it moves forward to the next allowed day (the June–September default lands in August),
or back when moving forward would pass the next round.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from forum.checkins.holidays import is_holiday

DEFAULT_OFFSETS: tuple[str, ...] = ("50%", "7d")
DEFAULT_BLOCKED_MONTHS: frozenset[int] = frozenset({7})
OPEN_HOUR = 9
MAX_SHIFT_DAYS = 62


class OffsetError(ValueError):
    """A round offset that is neither ``N%`` nor ``Nd``."""


@dataclass(frozen=True)
class RoundPolicy:
    """A forum's round rules (``checkin_settings``; these are the defaults)."""

    offsets: tuple[str, ...] = DEFAULT_OFFSETS
    nudge_after_days: int = 3
    max_nudges: int = 2
    skip_holidays: bool = True
    blocked_months: frozenset[int] = field(default=DEFAULT_BLOCKED_MONTHS)


@dataclass(frozen=True)
class MeetingSlot:
    meeting_id: int
    number: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class PlannedRound:
    key: str
    meeting_id: int
    opens_at: datetime
    closes_at: datetime


def round_key(meeting_id: int, index: int) -> str:
    return f"meeting:{meeting_id}:{index}"


def parse_offset(offset: str, gap_start: datetime, next_start: datetime) -> datetime:
    """``"50%"`` of the gap after the previous meeting, or ``"7d"`` before the next one."""
    value = offset.strip().lower()
    if value.endswith("%") and value[:-1].isdigit():
        share = int(value[:-1])
        if not 0 < share < 100:
            raise OffsetError(offset)
        return gap_start + (next_start - gap_start) * share / 100
    if value.endswith("d") and value[:-1].isdigit():
        return next_start - timedelta(days=int(value[:-1]))
    raise OffsetError(offset)


MAX_OFFSET_DAYS = 120
"""An ``Nd`` offset further than this is a typo, not a plan (meetings are months apart)."""


def is_valid_offset(offset: str) -> bool:
    """``"N%"`` with N from 1 to 99, or ``"Nd"`` with N from 1 to ``MAX_OFFSET_DAYS``: what a file may say."""
    value = offset.strip().lower()
    if value.endswith("%") and value[:-1].isdigit():
        return 0 < int(value[:-1]) < 100
    if value.endswith("d") and value[:-1].isdigit():
        return 0 < int(value[:-1]) <= MAX_OFFSET_DAYS
    return False


def is_blocked(day: date, policy: RoundPolicy) -> bool:
    return day.month in policy.blocked_months or (policy.skip_holidays and is_holiday(day))


def _at_open_hour(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(OPEN_HOUR), tzinfo=zone)


def allowed_opening(
    moment: datetime, earliest: datetime, latest: datetime, policy: RoundPolicy, zone: str
) -> datetime | None:
    """The opening moved to 09:00 of an allowed day: forward first, else back; None if none fits."""
    tz = ZoneInfo(zone)
    day = moment.astimezone(tz).date()
    for step in (1, -1):
        candidate = day
        for _ in range(MAX_SHIFT_DAYS):
            opening = _at_open_hour(candidate, tz)
            if not earliest < opening < latest:
                break
            if not is_blocked(candidate, policy):
                return opening
            candidate += timedelta(days=step)
    return None


def plan_rounds(slots: Sequence[MeetingSlot], policy: RoundPolicy, time_zone: str) -> list[PlannedRound]:
    """The rounds of a programme: for each pair of consecutive meetings (cancelled ones left
    out, so a cancelled meeting's rounds merge into the next one's), its openings in order."""
    ordered = sorted(slots, key=lambda slot: slot.starts_at)
    planned: list[PlannedRound] = []
    for previous, upcoming in itertools.pairwise(ordered):
        gap_start = max(previous.ends_at, previous.starts_at)
        openings: list[datetime] = []
        for offset in policy.offsets:
            wanted = parse_offset(offset, gap_start, upcoming.starts_at)
            opening = allowed_opening(wanted, gap_start, upcoming.starts_at, policy, time_zone)
            if opening is not None and opening not in openings:
                openings.append(opening)
        openings.sort()
        for index, opening in enumerate(openings):
            closing = openings[index + 1] if index + 1 < len(openings) else upcoming.starts_at
            planned.append(PlannedRound(round_key(upcoming.meeting_id, index), upcoming.meeting_id, opening, closing))
    return planned
