"""The Teams app package: schema-valid, its commands the bot's own, its icons as Teams wants them.

The command lists are checked against the running bot's registry (every wing's commands,
registered at start), so a renamed or dropped command breaks this test, not the Teams menu.
"""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

import manage
from bot.app_package import (
    APP_PACKAGE,
    LOCALIZATION_SCHEMA,
    MANIFEST_SCHEMA,
    check_package,
    fill_placeholders,
    placeholder_values,
    schema_problems,
)
from bot.commands import parse_command
from bot.components import BOT
from bot.settings import Settings
from forum.i18n import tr

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "99999999-8888-7777-6666-555555555555"
DEPLOYMENT = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppTenantId": TENANT_ID,
    "PUBLIC_BASE_URL": "https://foorumibotti.museot.example",
    "TEAMS_APP_DEVELOPER": "Museovirasto",
    "TEAMS_APP_WEBSITE_URL": "https://www.museovirasto.example/foorumi",
    "TEAMS_APP_PRIVACY_URL": "https://www.museovirasto.example/tietosuoja",
    "TEAMS_APP_TERMS_URL": "https://www.museovirasto.example/kayttoehdot",
}


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(DEPLOYMENT, dotenv_path=tmp_path / "none")


def _manifest(tmp_path: Path) -> dict[str, Any]:
    values, problems = placeholder_values(_settings(tmp_path))
    assert problems == []
    unknown: set[str] = set()
    manifest = fill_placeholders(json.loads((APP_PACKAGE / "manifest.json").read_text("utf-8")), values, unknown)
    assert unknown == set()
    return dict(manifest)


def _localized(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per language tag, the strings Teams shows: the manifest's own for the default language."""
    info = manifest["localizationInfo"]
    strings = {info["defaultLanguageTag"]: {}}
    for language in info["additionalLanguages"]:
        strings[language["languageTag"]] = json.loads((APP_PACKAGE / language["file"]).read_text("utf-8"))
    return strings


def _command_lists(manifest: dict[str, Any], locale: str, strings: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(scope, title, description) of every listed command, as Teams shows them in ``locale``."""
    found = []
    for li, command_list in enumerate(manifest["bots"][0]["commandLists"]):
        for ci, command in enumerate(command_list["commands"]):
            key = f"bots[0].commandLists[{li}].commands[{ci}]"
            title = strings.get(f"{key}.title", command["title"])
            description = strings.get(f"{key}.description", command.get("description", ""))
            found += [(scope, title, description) for scope in command_list["scopes"]]
    return found


def test_the_manifest_and_every_localization_file_validate(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    assert schema_problems(manifest, MANIFEST_SCHEMA, "manifest.json") == []
    assert check_package(manifest, APP_PACKAGE) == []
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "fi"
    assert {language["languageTag"] for language in manifest["localizationInfo"]["additionalLanguages"]} == {
        "sv",
        "en",
    }
    for language in manifest["localizationInfo"]["additionalLanguages"]:
        document = json.loads((APP_PACKAGE / language["file"]).read_text("utf-8"))
        assert schema_problems(document, LOCALIZATION_SCHEMA, language["file"]) == []


def test_a_broken_manifest_is_refused_with_the_reason(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    manifest["bots"][0]["commandLists"][0]["commands"] *= 2  # 20 commands: over Teams' 12
    manifest["bots"][0]["botId"] = "not-a-guid"
    problems = check_package(manifest, APP_PACKAGE)
    assert any("commandLists/0/commands" in p for p in problems)
    assert any("botId" in p for p in problems)


def test_the_bot_is_in_team_and_personal_scope_without_files(tmp_path: Path) -> None:
    bot = _manifest(tmp_path)["bots"][0]
    assert sorted(bot["scopes"]) == ["personal", "team"]  # groupChat: the bot has nothing to do there
    assert bot["supportsFiles"] is False and bot["botId"] == APP_ID
    scopes = sorted(scope for command_list in bot["commandLists"] for scope in command_list["scopes"])
    assert scopes == ["personal", "team"]
    assert all(len(command_list["commands"]) <= 12 for command_list in bot["commandLists"])


async def test_every_listed_command_is_one_the_bot_understands_in_that_language(
    tmp_path: Path, bot_client: TestClient[Any, Any]
) -> None:
    understood = bot_client.server.app[BOT].bot.understood_commands
    manifest = _manifest(tmp_path)
    for locale, strings in _localized(manifest).items():
        listed = _command_lists(manifest, locale, strings)
        assert listed, locale
        for scope, title, description in listed:
            parsed = parse_command(title, understood)
            assert parsed is not None and parsed.argument == "", f"{locale} {scope}: {title!r} is no command"
            spec = next(spec for spec in understood if spec.name == parsed.name)
            usage = tr(locale, spec.help.usage_key)
            assert usage == title or usage.startswith(title + " "), f"{locale}: {title!r} is not the {locale} word"
            assert description == f"{usage} – {tr(locale, spec.help.summary_key)}", (locale, title)
        assert {title for scope, title, _ in listed if scope == "personal"} >= {
            title for scope, title, _ in listed if scope == "team"
        }


def _load_icon_script() -> Any:
    spec = importlib.util.spec_from_file_location("make_icons", APP_PACKAGE.parent / "scripts" / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_icons_are_the_sizes_teams_wants_and_the_outline_is_white_on_transparent() -> None:
    color = Image.open(APP_PACKAGE / "color.png")
    outline = Image.open(APP_PACKAGE / "outline.png")
    assert (color.size, outline.size) == ((192, 192), (32, 32))
    assert outline.mode == "RGBA"
    pixels = list(outline.getdata())
    assert all(tuple(p[:3]) == (255, 255, 255) for p in pixels if p[3] > 0)  # white wherever it shows
    alphas = [p[3] for p in pixels]
    assert alphas[0] == 0 and alphas.count(0) > len(alphas) // 3  # a transparent background
    assert max(alphas) == 255  # and a glyph
    assert color.convert("RGBA").getextrema()[3] == (255, 255)  # the colour icon is opaque


def test_the_committed_icons_are_what_the_script_draws() -> None:
    script = _load_icon_script()
    for name, drawn in (("color.png", script.color_icon()), ("outline.png", script.outline_icon())):
        committed = Image.open(APP_PACKAGE / name).convert("RGBA")
        assert list(committed.getdata()) == list(drawn.getdata()), f"{name}: run python scripts/make_icons.py"


def test_manage_app_package_builds_a_zip_teams_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in DEPLOYMENT.items():
        monkeypatch.setenv(name, value)
    output = tmp_path / "out" / "foorumibotti.zip"
    assert manage.main(["app-package", "--output", str(output)]) == manage.EXIT_OK
    assert str(output) in capsys.readouterr().out
    with zipfile.ZipFile(output) as archive:
        names = sorted(archive.namelist())
        assert names == ["color.png", "en.json", "manifest.json", "outline.png", "sv.json"]
        manifest = json.loads(archive.read("manifest.json"))
        assert schema_problems(manifest, MANIFEST_SCHEMA, "manifest.json") == []
        for language in ("sv.json", "en.json"):
            assert schema_problems(json.loads(archive.read(language)), LOCALIZATION_SCHEMA, language) == []
        with archive.open("color.png") as color, archive.open("outline.png") as outline:
            assert (Image.open(color).size, Image.open(outline).size) == ((192, 192), (32, 32))
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["foorumibotti.museot.example"]
    assert manifest["developer"]["privacyUrl"] == DEPLOYMENT["TEAMS_APP_PRIVACY_URL"]
    assert "${{" not in json.dumps(manifest)


def test_manage_app_package_in_local_mode_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in DEPLOYMENT:
        monkeypatch.delenv(name, raising=False)
    assert manage.main(["app-package", "--output", str(tmp_path / "x.zip")]) == manage.EXIT_CONFIG
    out = capsys.readouterr().out
    assert "MicrosoftAppId is not set" in out and "PUBLIC_BASE_URL" in out
    assert not (tmp_path / "x.zip").exists()
