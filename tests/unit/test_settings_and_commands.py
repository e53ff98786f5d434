"""Settings are read once and validated; commands parse in three languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands import parse_command
from bot.settings import Settings, SettingsError
from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS


def test_defaults_are_local_mode_sqlite_finnish(tmp_path: Path) -> None:
    settings = Settings.from_env({}, dotenv_path=tmp_path / "none")
    assert settings.local_mode
    assert settings.database_url.startswith("sqlite+aiosqlite:///data/")
    assert (settings.default_locale, settings.timezone, settings.port) == ("fi", "Europe/Helsinki", 3978)


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "PORT=4000\nMicrosoftAppId=from-file\nMicrosoftAppTenantId=99999999-8888-7777-6666-555555555555\n"
        "COORDINATORS=A@x.fi, b-id\n"
    )
    settings = Settings.from_env({"PORT": "4100"}, dotenv_path=dotenv)
    assert settings.port == 4100
    assert settings.app_id == "from-file" and not settings.local_mode
    assert settings.coordinators == ("a@x.fi", "b-id")


def test_quiet_hours_default_from_the_environment(tmp_path: Path) -> None:
    assert Settings.from_env({}, dotenv_path=tmp_path / "none").quiet_hours == DEFAULT_QUIET_HOURS
    late = Settings.from_env({"QUIET_HOURS": "22:00-07:00", "QUIET_WEEKENDS": "false"}, dotenv_path=tmp_path / "n")
    assert late.quiet_hours.setting() == "22:00-07:00" and not late.quiet_hours.weekends
    assert Settings.from_env({"QUIET_HOURS": "none"}, dotenv_path=tmp_path / "none").quiet_hours.never


@pytest.mark.parametrize(
    "env",
    [
        {"PORT": "abc"},
        {"PORT": "70000"},
        {"DEFAULT_LOCALE": "de"},
        {"TIMEZONE": "Mars/Olympus"},
        {"QUIET_HOURS": "evenings"},
        {"QUIET_WEEKENDS": "maybe"},
        {"MicrosoftAppType": "Global"},
        {"MicrosoftAppId": "app", "MicrosoftAppTenantId": "contoso"},
        {"LOG_FORMAT": "xml"},
        {"METRICS_PORT": "nine"},
        {"TEAMS_TENANT_RPS": "fast"},
        {"TEAMS_TENANT_RPS": "0"},
    ],
)
def test_bad_settings_are_refused_with_a_reason(env: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env, dotenv_path=tmp_path / "none")


def test_the_tenant_rate_is_teams_documented_limit_unless_set(tmp_path: Path) -> None:
    assert Settings.from_env({}, dotenv_path=tmp_path / "none").teams_tenant_rps == 50.0
    assert Settings.from_env({"TEAMS_TENANT_RPS": "120"}, dotenv_path=tmp_path / "none").teams_tenant_rps == 120.0


TENANT = "99999999-8888-7777-6666-555555555555"


def test_single_tenant_is_the_default_and_needs_a_tenant(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert Settings.from_env({}, dotenv_path=none).app_type == "SingleTenant"  # local mode needs no tenant
    with pytest.raises(SettingsError, match="MicrosoftAppTenantId"):
        Settings.from_env({"MicrosoftAppId": "app"}, dotenv_path=none)
    settings = Settings.from_env({"MicrosoftAppId": "app", "MicrosoftAppTenantId": TENANT}, dotenv_path=none)
    assert (settings.app_type, settings.app_tenant_id) == ("SingleTenant", TENANT)
    multi = Settings.from_env({"MicrosoftAppId": "app", "MicrosoftAppType": "MultiTenant"}, dotenv_path=none)
    assert multi.app_type == "MultiTenant"


def test_metrics_are_off_unless_a_port_is_set(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert Settings.from_env({}, dotenv_path=none).metrics_port is None
    on = Settings.from_env({"METRICS_PORT": "9464", "LOG_FORMAT": "JSON"}, dotenv_path=none)
    assert (on.metrics_host, on.metrics_port, on.log_format) == ("127.0.0.1", 9464, "json")


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("apua", "help", ""),
        ("HJÄLP", "help", ""),
        ("  help  ", "help", ""),
        ("kieli sv", "language", "sv"),
        ("språk fi", "language", "fi"),
        ("koordinaattori lisää @Liisa Lahtinen", "coordinator_add", "@Liisa Lahtinen"),
        ("coordinator add Erik", "coordinator_add", "Erik"),
    ],
)
def test_commands_in_three_languages(text: str, name: str, argument: str) -> None:
    parsed = parse_command(text)
    assert parsed is not None and (parsed.name, parsed.argument) == (name, argument)


@pytest.mark.parametrize("text", ["", "mitä kuuluu", "helpful", "kielitaito"])
def test_non_commands(text: str) -> None:
    assert parse_command(text) is None
