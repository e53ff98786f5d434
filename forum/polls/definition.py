"""What a poll asks: its title, questions and rules, from a TOML file, the forum's survey or a quick line.

Why one definition type for all three: the forum's survey (``forum_survey.toml``, shipped as
every forum's default poll), a coordinator's poll file and ``kysely uusi "…?" A / B`` all end
up as the same rows, and every later step (the card, the results, the export) reads only those.

Texts are per language (``{"fi": …, "sv": …, "en": …}``); a file may give one string, which
then serves all three. Every problem of a file is reported at once, each with where it is.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from forum.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES

SURVEY_FILE = Path(__file__).resolve().parent / "forum_survey.toml"

MAX_TITLE = 200
MAX_QUESTION = 1000
MAX_OPTION = 100
MAX_QUESTIONS = 30
MAX_OPTIONS = 10
MAX_OPEN_ANSWER = 2000
"""Longer open answers come back to the person with the error; nothing is stored."""
MIN_GROUP_FLOOR = 3
"""Results never show for fewer answers than this, whatever a poll file says."""
DEFAULT_MIN_GROUP = 5
MAX_MIN_GROUP = 50
SCALES = {"0-5": (0, 5), "1-5": (1, 5)}

Texts = Mapping[str, str]


class QuestionKind(StrEnum):
    SCALE = "scale"
    CHOICE = "choice"
    OPEN = "open"


@dataclass(frozen=True)
class QuestionDef:
    kind: QuestionKind
    text: Texts
    scale: tuple[int, int] | None = None
    options: tuple[Texts, ...] = ()


@dataclass(frozen=True)
class PollDefinition:
    title: Texts
    questions: tuple[QuestionDef, ...]
    anonymous: bool = True
    min_group: int = DEFAULT_MIN_GROUP
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    source: str = "file"


@dataclass
class PollFileError(ValueError):
    """The file cannot become a poll; ``problems`` lists every reason ("where: what")."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.problems)


class QuickPollError(ValueError):
    """``kysely uusi`` was not given a question in quotes and 2–10 options."""


def text_in(texts: Texts, locale: str) -> str:
    """The text in ``locale``, else Finnish, else any."""
    return texts.get(locale) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()), "")


def statement_key(texts: Texts) -> str:
    """The Finnish text normalised (case, spaces, a trailing "…"), to find a statement again in a later round."""
    value = unicodedata.normalize("NFC", text_in(texts, "fi")).casefold()
    value = re.sub(r"\s+", " ", value).strip().rstrip(".…! ").strip()
    return value[:255]


def _clean(value: str) -> str:
    """No control characters (a newline becomes a space), trimmed."""
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in value).strip()


class _Reader:
    def __init__(self, time_zone: str) -> None:
        self.problems: list[str] = []
        self.zone = ZoneInfo(time_zone)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def texts(self, value: Any, where: str, limit: int) -> Texts | None:
        if isinstance(value, str):
            value = dict.fromkeys(SUPPORTED_LOCALES, value)
        if not isinstance(value, dict) or not value:
            self.problem(where, "give a text, or a table of fi / sv / en texts")
            return None
        unknown = sorted(set(value) - set(SUPPORTED_LOCALES))
        if unknown:
            self.problem(where, f"unknown language {', '.join(unknown)} (fi, sv, en)")
            return None
        result: dict[str, str] = {}
        for locale in SUPPORTED_LOCALES:
            raw = value.get(locale, value.get(DEFAULT_LOCALE))
            if not isinstance(raw, str) or not _clean(raw):
                self.problem(where, f"the {locale} text is missing or empty")
                return None
            if len(_clean(raw)) > limit:
                self.problem(where, f"the {locale} text is over {limit} characters")
                return None
            result[locale] = _clean(raw)
        return result

    def moment(self, value: Any, where: str) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.zone)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=self.zone)
        self.problem(where, "give a date and time, e.g. 2025-06-10T09:00:00")
        return None


POLL_KEYS = frozenset({"title", "anonymous", "min_group", "opens_at", "closes_at"})
QUESTION_KEYS = frozenset({"kind", "text", "scale", "options"})


def parse_poll_file(text: str, *, time_zone: str = "Europe/Helsinki", source: str = "file") -> PollDefinition:
    """A poll file's definition, or ``PollFileError`` with every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PollFileError([f"file: not valid TOML ({exc})"]) from None
    reader = _Reader(time_zone)
    for key in sorted(set(raw) - {"poll", "questions"}):
        reader.problem(key, "unknown section (poll, questions)")
    settings = raw.get("poll")
    if not isinstance(settings, dict):
        reader.problem("poll", "the [poll] table with a title is missing")
        settings = {}
    for key in sorted(set(settings) - POLL_KEYS):
        reader.problem(f"poll.{key}", "unknown setting")
    title = reader.texts(settings.get("title"), "poll.title", MAX_TITLE)
    anonymous = settings.get("anonymous", True)
    if not isinstance(anonymous, bool):
        reader.problem("poll.anonymous", "true or false")
        anonymous = True
    min_group = settings.get("min_group", DEFAULT_MIN_GROUP)
    if isinstance(min_group, bool) or not isinstance(min_group, int) or not MIN_GROUP_FLOOR <= min_group <= 50:
        reader.problem("poll.min_group", f"a whole number from {MIN_GROUP_FLOOR} to {MAX_MIN_GROUP}")
        min_group = DEFAULT_MIN_GROUP
    opens_at = reader.moment(settings.get("opens_at"), "poll.opens_at")
    closes_at = reader.moment(settings.get("closes_at"), "poll.closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        reader.problem("poll.closes_at", "must be after opens_at")
    questions = _questions(reader, raw.get("questions"))
    if reader.problems or title is None:
        raise PollFileError(reader.problems or ["poll.title: missing"])
    return PollDefinition(
        title=title,
        questions=tuple(questions),
        anonymous=anonymous,
        min_group=min_group,
        opens_at=opens_at,
        closes_at=closes_at,
        source=source,
    )


def _questions(reader: _Reader, raw: Any) -> list[QuestionDef]:
    if not isinstance(raw, list) or not raw:
        reader.problem("questions", "at least one [[questions]] is needed")
        return []
    if len(raw) > MAX_QUESTIONS:
        reader.problem("questions", f"at most {MAX_QUESTIONS} questions")
    found: list[QuestionDef] = []
    for index, entry in enumerate(raw[:MAX_QUESTIONS], start=1):
        where = f"questions[{index}]"
        if not isinstance(entry, dict):
            reader.problem(where, "must be a table")
            continue
        for key in sorted(set(entry) - QUESTION_KEYS):
            reader.problem(f"{where}.{key}", "unknown setting")
        question = _question(reader, entry, where)
        if question is not None:
            found.append(question)
    return found


def _question(reader: _Reader, entry: Mapping[str, Any], where: str) -> QuestionDef | None:
    try:
        kind = QuestionKind(entry.get("kind", "scale"))
    except ValueError:
        reader.problem(f"{where}.kind", "scale, choice or open")
        return None
    text = reader.texts(entry.get("text"), f"{where}.text", MAX_QUESTION)
    scale: tuple[int, int] | None = None
    options: list[Texts] = []
    if kind is QuestionKind.SCALE:
        scale = SCALES.get(str(entry.get("scale", "0-5")))
        if scale is None:
            reader.problem(f"{where}.scale", '"0-5" or "1-5"')
    elif kind is QuestionKind.CHOICE:
        raw_options = entry.get("options")
        if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= MAX_OPTIONS:
            reader.problem(f"{where}.options", f"2 to {MAX_OPTIONS} options")
        else:
            for number, option in enumerate(raw_options, start=1):
                texts = reader.texts(option, f"{where}.options[{number}]", MAX_OPTION)
                if texts is not None:
                    options.append(texts)
    if text is None:
        return None
    return QuestionDef(kind, text, scale, tuple(options))


def load_poll_file(path: Path, *, time_zone: str = "Europe/Helsinki") -> PollDefinition:
    return parse_poll_file(path.read_text(encoding="utf-8"), time_zone=time_zone)


def forum_survey() -> PollDefinition:
    """The forum's own survey: seven statements on 0–5 and two open questions, in fi, sv, en."""
    return parse_poll_file(SURVEY_FILE.read_text(encoding="utf-8"), source="survey")


_QUOTED = re.compile(r'^\s*["“”„«»]([^"“”„«»]{1,' + str(MAX_QUESTION) + r'})["“”„«»]\s*(.*)$', re.S)
NAMED_WORDS = frozenset({"nimellinen", "named", "namngiven", "med namn"})


def parse_quick_poll(argument: str) -> PollDefinition:
    """``"Mikä toimi?" A / B / C [nimellinen]`` → a one-question poll (anonymous unless named)."""
    match = _QUOTED.match(argument)
    if match is None:
        raise QuickPollError("question in quotes missing")
    question, rest = _clean(match.group(1)), _clean(match.group(2))
    anonymous = True
    lowered = rest.casefold()
    for word in sorted(NAMED_WORDS, key=len, reverse=True):
        if lowered.endswith(word) and (len(lowered) == len(word) or not lowered[-len(word) - 1].isalnum()):
            anonymous = False
            rest = rest[: -len(word)].strip()
            break
    options = [_clean(part) for part in rest.split("/") if _clean(part)]
    if not question or not 2 <= len(options) <= MAX_OPTIONS or any(len(o) > MAX_OPTION for o in options):
        raise QuickPollError("2 to 10 options separated by /")
    texts = dict.fromkeys(SUPPORTED_LOCALES, question)
    choice = QuestionDef(
        QuestionKind.CHOICE, texts, options=tuple(dict.fromkeys(SUPPORTED_LOCALES, option) for option in options)
    )
    return PollDefinition(
        title=dict.fromkeys(SUPPORTED_LOCALES, question[:MAX_TITLE]),
        questions=(choice,),
        anonymous=anonymous,
        source="quick",
    )
