"""The programme file's ``[checkins]`` table: a forum's own round rules, checked and stored.

Why in the programme file: the rounds are derived from the programme, and the coordinators
already keep the forum's plan there (re-importing is safe), so the rules that place the
rounds between the meetings sit beside the meetings they follow. The meetings wing reads
the file; this module is the reader and writer it is handed (``forum.meetings.hooks``), so
the meetings never import check-ins. A key left out keeps the forum's current value, as in
``[forum]``. The import then re-derives the rounds with the new rules (``sync_rounds``, the
programme hook), in the same transaction.

```toml
[checkins]
round_offsets = ["50%", "7d"]   # halfway between two meetings, and a week before the next
nudge_after_days = 3            # a reminder after 3 days without an answer (at most two)
skip_holidays = true            # a round never opens on a Finnish public holiday ...
skip_july = true                # ... or in July (the holiday month)
```
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.calendar import MAX_OFFSET_DAYS, is_valid_offset
from forum.checkins.rounds import settings_row
from forum.meetings.hooks import ProgrammeHooks
from forum.meetings.programme_file import LineOf, ProgrammeProblem

logger = logging.getLogger(__name__)

SECTION = "checkins"
WHERE = f"[{SECTION}]"
KEYS = frozenset({"round_offsets", "nudge_after_days", "skip_holidays", "skip_july"})
MAX_ROUNDS = 4
"""Rounds between two meetings: more than this would prompt people every week or two."""
MAX_NUDGE_DAYS = 30
JULY = 7


@dataclass(frozen=True)
class CheckinRules:
    """What the file says; None where a key is left out (the forum keeps its own)."""

    round_offsets: tuple[str, ...] | None = None
    nudge_after_days: int | None = None
    skip_holidays: bool | None = None
    skip_july: bool | None = None


def read_checkin_section(raw: Mapping[str, Any], line_of: LineOf) -> tuple[CheckinRules, list[ProgrammeProblem]]:
    """Check the table; every problem with its line, like the rest of the file."""
    problems: list[ProgrammeProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(ProgrammeProblem(line_of(key), WHERE, message))

    for key in sorted(set(raw) - KEYS):
        problem(key, f"unknown key {key!r} (expected {', '.join(sorted(KEYS))})")
    offsets: tuple[str, ...] | None = None
    if "round_offsets" in raw:
        value = raw["round_offsets"]
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= MAX_ROUNDS
            or not all(isinstance(v, str) and is_valid_offset(v) for v in value)
        ):
            problem(
                "round_offsets",
                f"round_offsets must list 1 to {MAX_ROUNDS} openings, each a share of the gap after a meeting "
                f'("1%" to "99%") or days before the next one ("1d" to "{MAX_OFFSET_DAYS}d"), e.g. ["50%", "7d"]',
            )
        else:
            normalised = tuple(v.strip().lower() for v in value)
            if len(set(normalised)) != len(normalised):
                problem("round_offsets", "round_offsets lists the same opening twice")
            else:
                offsets = normalised
    nudge: int | None = None
    if "nudge_after_days" in raw:
        value = raw["nudge_after_days"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_NUDGE_DAYS:
            nudge = value
        else:
            problem("nudge_after_days", f"nudge_after_days must be a whole number of days from 1 to {MAX_NUDGE_DAYS}")
    flags: dict[str, bool | None] = {}
    for key in ("skip_holidays", "skip_july"):
        flags[key] = None
        if key in raw:
            if isinstance(raw[key], bool):
                flags[key] = raw[key]
            else:
                problem(key, f"{key} is true or false")
    return CheckinRules(offsets, nudge, flags["skip_holidays"], flags["skip_july"]), problems


async def write_checkin_section(session: AsyncSession, forum_id: int, value: object) -> None:
    """Store the rules in ``checkin_settings``; the programme hook then re-derives the rounds."""
    if not isinstance(value, CheckinRules):
        raise TypeError(f"[checkins] read as {type(value).__name__}")
    row = await settings_row(session, forum_id)
    if value.round_offsets is not None:
        row.round_offsets = list(value.round_offsets)
    if value.nudge_after_days is not None:
        row.nudge_after_days = value.nudge_after_days
    if value.skip_holidays is not None:
        row.skip_holidays = value.skip_holidays
    if value.skip_july is not None:
        months = {int(m) for m in row.blocked_months or []}
        row.blocked_months = sorted(months | {JULY} if value.skip_july else months - {JULY})
    await session.flush()
    logger.info("forum %s: check-in rules from the programme file: %s", forum_id, value)


def register_programme_section(hooks: ProgrammeHooks) -> None:
    """The ``[checkins]`` table joins the programme file wherever the check-ins are wired."""
    hooks.register_section(SECTION, read_checkin_section, write_checkin_section)
