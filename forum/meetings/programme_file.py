"""Reading a programme file (TOML): forum settings, museums and meetings, checked.

Why every problem at once, each with its line: the file is written by hand,
and a coordinator fixing it wants the whole list, pointing at the lines.
Nothing here touches the database; ``forum/programme.py`` imports the result.

Times without an offset (``2025-02-12T10:00``) are wall-clock times in the
forum's time zone; dates and times with an offset are taken as they are.

Why section readers: a wing built on the meetings (the check-ins' ``[checkins]`` rules) has
its own table in the same file, checked with everything else so the coordinator gets one
list of problems; but this module must not import that wing, so the caller passes the
readers in (``ProgrammeHooks.section_readers``) and the values come back in
``Programme.sections`` for the import to hand to the wing again.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forum.delivery.quiet_hours import QuietHoursError, parse_quiet_hours
from forum.i18n import normalize_locale, tr
from forum.meetings.model import MeetingDraft, validate_draft

FORUM_KEYS = frozenset({"time_zone", "locale", "reminder_offsets_hours", "quiet_hours", "quiet_weekends"})
MUSEUM_KEYS = frozenset({"name", "members"})
MEETING_KEYS = frozenset(
    {
        "number",
        "theme",
        "description",
        "starts_at",
        "ends_at",
        "host_museum",
        "venue_address",
        "join_url",
        "rsvp_deadline",
    }
)
TOP_KEYS = frozenset({"forum", "museums", "meetings"})
MAX_OFFSET_HOURS = 24 * 60


@dataclass(frozen=True)
class ProgrammeProblem:
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"line {self.line}: " if self.line else ""
        return f"{place}{self.where}: {self.message}"


class ProgrammeError(ValueError):
    """The file cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[ProgrammeProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class MuseumEntry:
    name: str
    members: tuple[str, ...] = ()
    """E-mail addresses of the museum's people in the forum."""


@dataclass(frozen=True)
class ProgrammeMeeting:
    draft: MeetingDraft
    line: int | None


@dataclass(frozen=True)
class Programme:
    time_zone: str | None
    locale: str | None
    reminder_offsets_hours: tuple[int, ...] | None
    museums: tuple[MuseumEntry, ...]
    meetings: tuple[ProgrammeMeeting, ...]
    quiet_hours: str | None = None
    """``"20:00-08:00"`` or ``"none"``, checked; None: not in the file (the forum keeps its own)."""
    quiet_weekends: bool | None = None
    sections: Mapping[str, object] = field(default_factory=dict)
    """Other wings' tables (``"checkins"``), as their readers returned them."""


LineOf = Callable[[str], "int | None"]
"""The line of a key in a section's table (the table's header when the key is not there)."""
SectionReader = Callable[[Mapping[str, Any], LineOf], tuple[object, list["ProgrammeProblem"]]]
"""Reads and checks one ``[name]`` table: its value and every problem found (an empty list: fine)."""


_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*(\w+)\s*\]\]?\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def _table_lines(text: str, name: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of each ``[name]`` or ``[[name]]`` table, in order.

    ``tomllib`` reports no positions for values, so the importer finds the
    lines itself to point at the problem (good enough for files people write).
    """
    lines = text.splitlines()
    spans: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        match = _TABLE_HEADER.match(line)
        if match and match.group(1) == name:
            end = len(lines)
            for later in range(index + 1, len(lines)):
                if _ANY_HEADER.match(lines[later]):
                    end = later
                    break
            spans.append((index + 1, end))
    return spans


def _field_line(text: str, span: tuple[int, int] | None, key: str) -> int | None:
    if span is None:
        return None
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(span[0], span[1] + 1):
        if number - 1 < len(lines) and pattern.match(lines[number - 1]):
            return number
    return span[0]


class _Reader:
    """Collects every problem instead of stopping at the first."""

    def __init__(self, text: str, default_time_zone: str) -> None:
        self.text = text
        self.problems: list[ProgrammeProblem] = []
        self.zone = ZoneInfo(default_time_zone)

    def problem(self, line: int | None, where: str, message: str) -> None:
        self.problems.append(ProgrammeProblem(line, where, message))

    def moment(self, value: Any, where: str, key: str, line: int | None) -> datetime | None:
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=self.zone)
        if isinstance(value, date):
            self.problem(line, where, f"{key}: give a date and a time, e.g. {value.isoformat()}T10:00")
            return None
        self.problem(line, where, f"{key}: expected a date and time like 2025-02-12T10:00, got {value!r}")
        return None


def parse_programme(
    text: str,
    *,
    default_time_zone: str = "Europe/Helsinki",
    sections: Mapping[str, SectionReader] | None = None,
) -> Programme:
    """Read and check a programme file; raises ``ProgrammeError`` with every problem found.

    ``sections`` reads the other wings' tables; a table no reader knows is a problem.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(
            [ProgrammeProblem(getattr(exc, "lineno", None), "file", f"not valid TOML: {exc}")]
        ) from exc
    readers = dict(sections or {})
    reader = _Reader(text, default_time_zone)
    known = [*sorted(TOP_KEYS), *sorted(readers)]
    for key in sorted(set(data) - TOP_KEYS - set(readers)):
        reader.problem(None, "file", f"unknown section {key!r} (expected {', '.join(known)})")

    settings = data.get("forum", {})
    time_zone, locale, offsets = _forum_settings(reader, settings, default_time_zone)
    if time_zone is not None:
        reader.zone = ZoneInfo(time_zone)
    quiet_hours, quiet_weekends = _quiet_settings(reader, settings)
    museums = _museums(reader, data.get("museums", []))
    meetings = _meetings(reader, data.get("meetings", []), museums)
    read_sections = _sections(reader, data, readers)
    if reader.problems:
        raise ProgrammeError(reader.problems)
    return Programme(
        time_zone,
        locale,
        offsets,
        tuple(museums),
        tuple(meetings),
        quiet_hours,
        quiet_weekends,
        sections=read_sections,
    )


def load_programme(
    path: Path, *, default_time_zone: str = "Europe/Helsinki", sections: Mapping[str, SectionReader] | None = None
) -> Programme:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgrammeError([ProgrammeProblem(None, str(path), f"cannot read the file: {exc}")]) from exc
    return parse_programme(text, default_time_zone=default_time_zone, sections=sections)


def _sections(reader: _Reader, data: Mapping[str, Any], readers: Mapping[str, SectionReader]) -> dict[str, object]:
    """The other wings' tables present in the file, each read by its wing's reader."""
    result: dict[str, object] = {}
    for name, read in readers.items():
        if name not in data:
            continue
        spans = _table_lines(reader.text, name)
        span = spans[0] if spans else None
        raw = data[name]
        if not isinstance(raw, dict):
            reader.problem(span[0] if span else None, f"[{name}]", "must be a table")
            continue

        def line_of(key: str, span: tuple[int, int] | None = span) -> int | None:
            return _field_line(reader.text, span, key)

        value, problems = read(raw, line_of)
        reader.problems.extend(problems)
        if not problems:
            result[name] = value
    return result


def _forum_settings(
    reader: _Reader, settings: Any, default_time_zone: str
) -> tuple[str | None, str | None, tuple[int, ...] | None]:
    if not isinstance(settings, dict):
        reader.problem(None, "[forum]", "must be a table")
        return None, None, None
    spans = _table_lines(reader.text, "forum")
    span = spans[0] if spans else None
    for key in sorted(set(settings) - FORUM_KEYS):
        reader.problem(_field_line(reader.text, span, key), "[forum]", f"unknown key {key!r}")
    time_zone: str | None = None
    if "time_zone" in settings:
        try:
            ZoneInfo(str(settings["time_zone"]))
            time_zone = str(settings["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            reader.problem(
                _field_line(reader.text, span, "time_zone"), "[forum]", f"unknown time zone {settings['time_zone']!r}"
            )
    locale: str | None = None
    if "locale" in settings:
        locale = normalize_locale(str(settings["locale"]))
        if locale is None:
            reader.problem(_field_line(reader.text, span, "locale"), "[forum]", "locale must be fi, sv or en")
    offsets: tuple[int, ...] | None = None
    if "reminder_offsets_hours" in settings:
        raw = settings["reminder_offsets_hours"]
        if not isinstance(raw, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_OFFSET_HOURS for v in raw
        ):
            reader.problem(
                _field_line(reader.text, span, "reminder_offsets_hours"),
                "[forum]",
                f"reminder_offsets_hours must list whole hours from 1 to {MAX_OFFSET_HOURS}, e.g. [168, 24]",
            )
        else:
            offsets = tuple(sorted(set(raw), reverse=True))
    return time_zone, locale, offsets


def _quiet_settings(reader: _Reader, settings: Any) -> tuple[str | None, bool | None]:
    """``quiet_hours = "20:00-08:00"`` (or ``"none"``) and ``quiet_weekends = true``, both optional."""
    if not isinstance(settings, dict):
        return None, None
    spans = _table_lines(reader.text, "forum")
    span = spans[0] if spans else None
    hours: str | None = None
    if "quiet_hours" in settings:
        raw = settings["quiet_hours"]
        try:
            if not isinstance(raw, str):
                raise QuietHoursError("not a string")
            hours = parse_quiet_hours(raw, None).setting()
        except QuietHoursError:
            reader.problem(
                _field_line(reader.text, span, "quiet_hours"),
                "[forum]",
                'quiet_hours must be "HH:MM-HH:MM" (quiet from, until), e.g. "20:00-08:00", or "none"',
            )
    weekends: bool | None = None
    if "quiet_weekends" in settings:
        if isinstance(settings["quiet_weekends"], bool):
            weekends = settings["quiet_weekends"]
        else:
            reader.problem(
                _field_line(reader.text, span, "quiet_weekends"), "[forum]", "quiet_weekends is true or false"
            )
    return hours, weekends


def _museums(reader: _Reader, raw: Any) -> list[MuseumEntry]:
    spans = _table_lines(reader.text, "museums")
    if not isinstance(raw, list):
        reader.problem(None, "museums", "write each museum as a [[museums]] table")
        return []
    result: list[MuseumEntry] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        span = spans[index] if index < len(spans) else None
        where = f"museums[{index + 1}]"
        if not isinstance(entry, dict):
            reader.problem(span[0] if span else None, where, "must be a table")
            continue
        for key in sorted(set(entry) - MUSEUM_KEYS):
            reader.problem(_field_line(reader.text, span, key), where, f"unknown key {key!r}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            reader.problem(_field_line(reader.text, span, "name"), where, "name is missing")
            continue
        if name.strip().casefold() in seen:
            reader.problem(_field_line(reader.text, span, "name"), where, f"museum {name!r} is listed twice")
            continue
        seen.add(name.strip().casefold())
        members = entry.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, str) and "@" in m for m in members):
            reader.problem(
                _field_line(reader.text, span, "members"), where, "members must be a list of e-mail addresses"
            )
            members = []
        result.append(MuseumEntry(name.strip(), tuple(m.strip().lower() for m in members)))
    return result


def _meetings(reader: _Reader, raw: Any, museums: Sequence[MuseumEntry]) -> list[ProgrammeMeeting]:
    spans = _table_lines(reader.text, "meetings")
    if not isinstance(raw, list):
        reader.problem(None, "meetings", "write each meeting as a [[meetings]] table")
        return []
    result: list[ProgrammeMeeting] = []
    numbers: set[int] = set()
    for index, entry in enumerate(raw):
        span = spans[index] if index < len(spans) else None
        meeting = _meeting(reader, entry, index, span, museums)
        if meeting is None:
            continue
        if meeting.draft.number in numbers:
            reader.problem(
                _field_line(reader.text, span, "number"),
                f"meetings[{index + 1}]",
                f"meeting number {meeting.draft.number} is used twice",
            )
            continue
        numbers.add(meeting.draft.number)
        result.append(meeting)
    return result


def _meeting(
    reader: _Reader, entry: Any, index: int, span: tuple[int, int] | None, museums: Sequence[MuseumEntry]
) -> ProgrammeMeeting | None:
    where = f"meetings[{index + 1}]"
    if not isinstance(entry, dict):
        reader.problem(span[0] if span else None, where, "must be a table")
        return None
    number = entry.get("number")
    if isinstance(number, int) and not isinstance(number, bool):
        where = f"{where} (number {number})"
    for key in sorted(set(entry) - MEETING_KEYS):
        reader.problem(_field_line(reader.text, span, key), where, f"unknown key {key!r}")
    before = len(reader.problems)
    for key in ("number", "theme", "starts_at", "ends_at"):
        if key not in entry:
            reader.problem(span[0] if span else None, where, f"{key} is missing")
    if "number" in entry and (not isinstance(number, int) or isinstance(number, bool)):
        reader.problem(_field_line(reader.text, span, "number"), where, "number must be a whole number")
    texts: dict[str, str] = {}
    for key in ("theme", "description", "host_museum", "venue_address", "join_url"):
        value = entry.get(key, "")
        if not isinstance(value, str):
            reader.problem(_field_line(reader.text, span, key), where, f"{key} must be text in quotes")
            value = ""
        texts[key] = value.strip()
    starts = (
        reader.moment(entry["starts_at"], where, "starts_at", _field_line(reader.text, span, "starts_at"))
        if "starts_at" in entry
        else None
    )
    ends = (
        reader.moment(entry["ends_at"], where, "ends_at", _field_line(reader.text, span, "ends_at"))
        if "ends_at" in entry
        else None
    )
    deadline = (
        reader.moment(entry["rsvp_deadline"], where, "rsvp_deadline", _field_line(reader.text, span, "rsvp_deadline"))
        if "rsvp_deadline" in entry
        else None
    )
    if len(reader.problems) > before or starts is None or ends is None or not isinstance(number, int):
        return None
    draft = MeetingDraft(
        number=number,
        theme=texts["theme"],
        description=texts["description"],
        starts_at=starts,
        ends_at=ends,
        host_museum=texts["host_museum"] or None,
        venue_address=texts["venue_address"],
        join_url=texts["join_url"] or None,
        rsvp_deadline=deadline,
    )
    _check_rules(reader, draft, where, span, museums)
    return ProgrammeMeeting(draft, span[0] if span else None)


FIELD_KEYS: Mapping[str, str] = {
    # the form's field names (forum.meetings.model.MeetingField) -> the file's keys
    "number": "number",
    "theme": "theme",
    "date": "starts_at",
    "start": "starts_at",
    "end": "ends_at",
    "end_date": "ends_at",
    "host": "host_museum",
    "address": "venue_address",
    "join_url": "join_url",
    "rsvp_date": "rsvp_deadline",
}


def _check_rules(
    reader: _Reader, draft: MeetingDraft, where: str, span: tuple[int, int] | None, museums: Sequence[MuseumEntry]
) -> None:
    """The same rules as the Teams form, except that past meetings are allowed."""
    errors = validate_draft(draft, museums=[m.name for m in museums], now=None)
    for form_field, key in errors.items():
        file_key = FIELD_KEYS.get(form_field, form_field)
        reader.problem(_field_line(reader.text, span, file_key), where, f"{file_key}: {tr('en', key)}")
