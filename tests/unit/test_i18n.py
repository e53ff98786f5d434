"""Every message id the code uses exists, non-empty, in Finnish, Swedish and English."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from forum.i18n import SUPPORTED_LOCALES, catalog, format_when, normalize_locale, resolve_locale, tr

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "dialogs", "forum", "cards")
KEYWORDS = {"tr": (2,), "N_": None}


def _keys_in_code() -> set[str]:
    keys: set[str] = set()
    for package in PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            keys.add(message if isinstance(message, str) else message[0])
    return keys


def test_extraction_finds_keys() -> None:
    keys = _keys_in_code()
    assert "help.title" in keys and "error.generic" in keys


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_key_used_in_code_is_translated(locale: str) -> None:
    translated = {str(m.id) for m in catalog(locale) if m.id and str(m.string).strip()}
    missing = sorted(_keys_in_code() - translated)
    assert missing == [], f"{locale}.po lacks: {missing}"


def test_catalogs_hold_the_same_keys_and_placeholders() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    by_locale = {loc: {str(m.id): str(m.string) for m in catalog(loc) if m.id} for loc in SUPPORTED_LOCALES}
    assert by_locale["fi"].keys() == by_locale["sv"].keys() == by_locale["en"].keys()
    for key, finnish in by_locale["fi"].items():
        for locale in ("sv", "en"):
            assert fields(by_locale[locale][key]) == fields(finnish), (key, locale)


def test_locale_resolution() -> None:
    assert normalize_locale("fi-FI") == "fi" and normalize_locale("sv_SE") == "sv"
    assert normalize_locale("de-DE") is None and normalize_locale(None) is None
    assert resolve_locale(None, "de-DE", "sv-FI") == "sv"
    assert resolve_locale(None, None) == "fi"
    assert tr("en", "coordinator.promoted", name="Liisa") == "Liisa is now a coordinator."


def test_dates_in_helsinki_time_and_reader_format() -> None:
    moment = datetime(2024, 6, 5, 7, 0, tzinfo=UTC)  # 10.00 in Helsinki (EEST)
    assert format_when(moment, "fi", "Europe/Helsinki") == "keskiviikko 5. kesäkuuta 2024 klo 10.00"
    assert format_when(moment, "sv", "Europe/Helsinki") == "onsdag 5 juni 2024 kl. 10:00"
    assert format_when(moment, "en", "Europe/Helsinki") == "Wednesday, 5 June 2024 at 10:00"


def test_wing_catalogs_are_merged_and_a_duplicate_id_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forum import i18n

    def po(key: str, text: str) -> str:
        return f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "{key}"\nmsgstr "{text}"\n'

    (tmp_path / "wing").mkdir()
    (tmp_path / "fi.po").write_text(po("shared.key", "Jaettu"), encoding="utf-8")
    (tmp_path / "wing" / "fi.po").write_text(po("wing.key", "Siipi"), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert {str(m.id): str(m.string) for m in i18n.catalog("fi") if m.id} == {
            "shared.key": "Jaettu",
            "wing.key": "Siipi",
        }
        (tmp_path / "wing" / "fi.po").write_text(po("shared.key", "Toinen"), encoding="utf-8")
        i18n.catalog.cache_clear()
        with pytest.raises(i18n.DuplicateMessageError):
            i18n.catalog("fi")
    finally:
        i18n.catalog.cache_clear()
