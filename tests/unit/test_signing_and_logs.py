"""Signed links, the redacting access log and log rotation: the pieces of privacy with no database."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

import pytest

from bot.access_log import redacted_path
from bot.logging_setup import log_handler
from bot.settings import Settings, SettingsError
from forum.signing import ExpiredLinkError, InvalidLinkError, LinkSigner

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SIGNER = LinkSigner(b"k" * 32)


def test_a_signed_link_checks_purpose_binding_subject_and_time() -> None:
    token = SIGNER.sign("my-data", "12", now=NOW, lifetime=timedelta(minutes=15), binding="29:matti")
    assert SIGNER.verify("my-data", token, now=NOW + timedelta(minutes=14), binding="29:matti").subject == "12"
    with pytest.raises(ExpiredLinkError):
        SIGNER.verify("my-data", token, now=NOW + timedelta(minutes=15), binding="29:matti")
    for purpose, binding in (("poll-export", "29:matti"), ("my-data", "29:anna")):
        with pytest.raises(InvalidLinkError):
            SIGNER.verify(purpose, token, now=NOW, binding=binding)
    with pytest.raises(InvalidLinkError):
        SIGNER.verify("my-data", "13" + token[2:], now=NOW, binding="29:matti")
    with pytest.raises(InvalidLinkError):
        LinkSigner(b"x" * 32).verify("my-data", token, now=NOW, binding="29:matti")
    with pytest.raises(InvalidLinkError):
        SIGNER.verify("my-data", "../etc/passwd", now=NOW)
    with pytest.raises(ValueError):
        LinkSigner(b"short")


def test_the_access_log_keeps_no_token_and_no_query() -> None:
    assert redacted_path("/privacy/export/12.1764064800.abcdef") == "/privacy/export/…"
    assert redacted_path("/calendar/SECRETTOKEN123456/meeting-3.ics") == "/calendar/…/meeting-3.ics"
    assert redacted_path("/api/messages?x=1") == "/api/messages"


async def test_the_access_log_line_has_no_address_and_no_token(caplog: pytest.LogCaptureFixture) -> None:
    from unittest.mock import MagicMock

    from bot.access_log import RedactingAccessLogger

    request = MagicMock()
    request.method, request.rel_url.path, request.remote = "GET", "/privacy/export/12.999.sig", "203.0.113.9"
    response = MagicMock(status=200)
    logger = logging.getLogger("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        RedactingAccessLogger(logger, "").log(request, response, 0.01)
    assert caplog.messages == ['"GET /privacy/export/…" 200 0.010s']


def test_log_file_rotates_daily_and_keeps_the_retention(tmp_path: Path) -> None:
    handler = log_handler(Settings(log_file=str(tmp_path / "logs" / "bot.log"), log_retention_days=14))
    try:
        assert isinstance(handler, TimedRotatingFileHandler)
        assert handler.when == "MIDNIGHT" and handler.backupCount == 13
    finally:
        handler.close()
    assert not isinstance(log_handler(Settings()), TimedRotatingFileHandler)


def test_retention_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {"LEAVER_RETENTION_DAYS": "30", "FORUM_RETENTION_MONTHS": "6", "LOG_FILE": "x.log", "LOG_RETENTION_DAYS": "7"},
        dotenv_path=Path("/nonexistent"),
    )
    assert (settings.leaver_retention_days, settings.forum_retention_months) == (30, 6)
    assert (settings.log_file, settings.log_retention_days) == ("x.log", 7)
    defaults = Settings.from_env({}, dotenv_path=Path("/nonexistent"))
    assert (defaults.leaver_retention_days, defaults.forum_retention_months, defaults.log_retention_days) == (
        90,
        12,
        30,
    )
    for bad in ({"LEAVER_RETENTION_DAYS": "0"}, {"FORUM_RETENTION_MONTHS": "soon"}, {"LINK_SIGNING_SECRET": "short"}):
        with pytest.raises(SettingsError):
            Settings.from_env(bad, dotenv_path=Path("/nonexistent"))
