"""Every word the bot says, in Finnish, Swedish and English.

Why symbolic message ids (``help.title``) in gettext ``.po`` catalogs: the
three languages are equal, so none of them is the "source text"; a key says
where the string is used, and ``pybabel extract -k tr:2 -k N_`` finds every
key in the code, which is how the tests prove that each one has all three
translations. The catalogs are read with Babel at import, no compile step; each feature
wing may keep its own (``locales/<wing>/<locale>.po``), merged at load.

Dates are formatted in the forum's time zone and the reader's locale.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)

SUPPORTED_LOCALES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
_BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


class MissingTranslationError(KeyError):
    """A message id has no text in a catalog: a bug the tests catch."""


class DuplicateMessageError(ValueError):
    """Two catalogs define the same message id: one of them would silently win."""


def catalog_files(locale: str) -> list[Path]:
    """The shared catalog ``locales/<locale>.po`` and each wing's ``locales/<wing>/<locale>.po``.

    Why one catalog per wing: features are built side by side, and a single file that every
    feature appends to is where their changes collide.
    """
    return [LOCALE_DIR / f"{locale}.po", *sorted(LOCALE_DIR.glob(f"*/{locale}.po"))]


@cache
def catalog(locale: str) -> Catalog:
    merged: Catalog | None = None
    for path in catalog_files(locale):
        with path.open("rb") as handle:
            part = read_po(handle, locale=_BABEL_LOCALES[locale])
        if merged is None:
            merged = part
            continue
        for message in part:
            if not message.id:
                continue
            if message.id in merged:
                raise DuplicateMessageError(f"{message.id!r} is defined twice ({path.name} in {path.parent.name})")
            merged[message.id] = message
    assert merged is not None
    return merged


@cache
def _messages(locale: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog(locale) if m.id and m.string}


def N_(key: str) -> str:
    """Mark a message id kept in data (a table, a constant) for extraction."""
    return key


def normalize_locale(value: str | None) -> str | None:
    """``fi-FI``, ``sv_SE``, ``EN`` → ``fi``/``sv``/``en``; anything else → None."""
    if not value:
        return None
    language = value.replace("_", "-").split("-", 1)[0].strip().lower()
    return language if language in SUPPORTED_LOCALES else None


def resolve_locale(*candidates: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The first supported locale among ``candidates`` (the person's choice first)."""
    for candidate in candidates:
        locale = normalize_locale(candidate)
        if locale is not None:
            return locale
    return default


def tr(locale: str, key: str, **values: Any) -> str:
    """The text for ``key`` in ``locale``, with ``{name}`` placeholders filled.

    A key missing from a catalog falls back to Finnish and is logged: a
    person still gets a sentence, and the test suite fails on the gap.
    """
    messages = _messages(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)
    text = messages.get(key)
    if text is None:
        logger.error("missing translation %r in %s", key, locale)
        text = _messages(DEFAULT_LOCALE).get(key)
        if text is None:
            raise MissingTranslationError(key)
    return text.format(**values) if values else text


FORMATTED_KEPT = 1024
"""Formatted dates kept: Babel's formatting took 0.2–0.4 ms a call, and a card shows the
same few meeting times to everyone who presses its buttons."""


@lru_cache(maxsize=FORMATTED_KEPT)
def format_when(moment: datetime, locale: str, time_zone: str) -> str:
    """A meeting time as people write it: "ke 5.6.2024 klo 10.00" and the like."""
    local = moment.astimezone(ZoneInfo(time_zone))
    babel_locale = _BABEL_LOCALES.get(locale, _BABEL_LOCALES[DEFAULT_LOCALE])
    day = format_date(local.date(), format="full", locale=babel_locale)
    clock = format_time(local.time(), format="short", locale=babel_locale)
    return tr(locale, "datetime.at", date=day, time=clock)


@lru_cache(maxsize=FORMATTED_KEPT)
def format_day(moment: datetime, locale: str, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    babel_locale = _BABEL_LOCALES.get(locale, _BABEL_LOCALES[DEFAULT_LOCALE])
    return str(format_date(local.date(), format="medium", locale=babel_locale))


@lru_cache(maxsize=FORMATTED_KEPT)
def format_clock(moment: datetime, locale: str, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    babel_locale = _BABEL_LOCALES.get(locale, _BABEL_LOCALES[DEFAULT_LOCALE])
    return str(format_time(local.time(), format="short", locale=babel_locale))


def format_number(value: float, locale: str, digits: int = 1) -> str:
    """A decimal as the reader writes it: "3,8" in Finnish and Swedish, "3.8" in English."""
    from babel.numbers import format_decimal

    babel_locale = _BABEL_LOCALES.get(locale, _BABEL_LOCALES[DEFAULT_LOCALE])
    return str(format_decimal(value, format="0." + "0" * digits if digits else "0", locale=babel_locale))
