"""Making untrusted strings and numbers safe: the one set of rules every layer shares.

Why one module: the same bug came in through every door. ``int()`` accepts ``'²'`` and
``'①'``'s cousins (``str.isdigit`` says yes, ``int`` then raises), ``10**30`` overflows
SQLite and PostgreSQL alike, PostgreSQL refuses NUL and over-long strings that SQLite keeps,
and a lone surrogate from JSON (``"\\ud800"``) cannot even be encoded. ``bot/`` applies these
rules once where an activity enters; ``forum/`` and ``cards/`` parse numbers with
``parse_int`` so no path has its own, looser rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MAX_RECORD_ID = 2**31 - 1
"""The largest value an ``Integer`` column holds on both databases."""
MAX_NAME_LENGTH = 255
MAX_ID_LENGTH = 255
LOG_PREVIEW_LENGTH = 60

_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
_ID = re.compile(r"[!-~]{1,255}")
"""Printable ASCII without spaces: Teams ids (``29:…``, ``19:…@thread.tacv2;messageid=…``, GUIDs)."""
_KEEP_IN_TEXT = frozenset("\n\t")


def parse_int(value: Any, *, minimum: int = 0, maximum: int = MAX_RECORD_ID) -> int | None:
    """An int from an int (never a bool) or from ASCII digits, within [minimum, maximum]; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _ASCII_DIGITS.fullmatch(text):
            return None
        number = int(text)
    else:
        return None
    return number if minimum <= number <= maximum else None


def _allowed(char: str, multiline: bool) -> bool:
    if multiline and char in _KEEP_IN_TEXT:
        return True
    category = unicodedata.category(char)
    # Cc: control characters (NUL included); Cs: lone surrogates, which no database can encode.
    return category not in ("Cc", "Cs")


def clean_text(value: Any, max_length: int, *, multiline: bool = False) -> str:
    """``value`` as a string without control characters (newline and tab kept when
    ``multiline``), at most ``max_length`` characters; anything not a string becomes ``""``."""
    if not isinstance(value, str):
        return ""
    if value.isprintable() and len(value) <= max_length:
        return value
    cleaned = "".join(char for char in value[: max_length * 2] if _allowed(char, multiline))
    return cleaned[:max_length]


def clean_name(value: Any) -> str:
    """A display name as both databases store it: one line, at most 255 characters, trimmed."""
    return " ".join(clean_text(value, MAX_NAME_LENGTH * 2).split())[:MAX_NAME_LENGTH]


def sane_id(value: Any, max_length: int = MAX_ID_LENGTH) -> str | None:
    """A Teams-style id as given (a string of printable ASCII, no spaces), or None."""
    if isinstance(value, str) and len(value) <= max_length and _ID.fullmatch(value):
        return value
    return None


def for_log(value: Any, limit: int = LOG_PREVIEW_LENGTH) -> str:
    """An untrusted value for a log line: escaped (``repr``), shortened, never multi-line."""
    text = value if isinstance(value, str) else type(value).__name__
    shown = repr(text[:limit])
    return shown + "…" if len(text) > limit else shown
