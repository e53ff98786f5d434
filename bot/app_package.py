"""Build the Teams app package (a zip) from ``appPackage/`` and the settings.

``appPackage/`` follows the Microsoft 365 Agents Toolkit's layout, so the toolkit can open it
too: ``manifest.json`` with ``${{NAME}}`` placeholders, the localization files it names, the
two icons. Here the placeholders are filled from the bot's own settings (the same
environment ``app.py`` reads), in the parsed JSON (never by editing its text), and the result
is checked against the manifest schema v1.29 shipped in ``appPackage/schema/`` before a zip is
written: Teams' upload dialog says much less about what is wrong.
"""

from __future__ import annotations

import json
import logging
import re
import struct
import tomllib
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator

from bot.settings import Settings

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGE = ROOT / "appPackage"
SCHEMA_DIR = APP_PACKAGE / "schema" / "teams-manifest-1.29"
MANIFEST_SCHEMA = SCHEMA_DIR / "MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = SCHEMA_DIR / "MicrosoftTeams.Localization.schema.json"
DEFAULT_OUTPUT = APP_PACKAGE / "build" / "appPackage.zip"
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class AppPackageError(ValueError):
    """The package cannot be built: every problem, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class AppPackage:
    path: Path
    manifest: dict[str, Any]
    files: tuple[str, ...]


@cache
def _validator(schema_path: Path) -> Draft4Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return Draft4Validator(schema)


def schema_problems(document: dict[str, Any], schema_path: Path, name: str) -> list[str]:
    """What ``document`` breaks in the schema, readable (``name: path: message``)."""
    return [
        f"{name}: {'/'.join(str(part) for part in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(_validator(schema_path).iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (the runtime has no imaging library)."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def app_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def placeholder_values(settings: Settings) -> tuple[dict[str, str], list[str]]:
    """What the manifest's placeholders become, and what is missing or wrong in the settings."""
    problems: list[str] = []
    if not settings.app_id:
        problems.append("MicrosoftAppId is not set: the package names the Azure Bot's app id")
    elif not _GUID.match(settings.app_id):
        problems.append(f"MicrosoftAppId must be the Azure Bot's app id (a GUID), not {settings.app_id!r}")
    base = urlsplit(settings.public_base_url)
    if base.scheme != "https" or not base.hostname:
        problems.append(f"PUBLIC_BASE_URL must be the bot's public https:// address, not {settings.public_base_url!r}")
    links = {
        "TEAMS_APP_WEBSITE_URL": settings.teams_website_url,
        "TEAMS_APP_PRIVACY_URL": settings.teams_privacy_url,
        "TEAMS_APP_TERMS_URL": settings.teams_terms_url,
    }
    for name, value in links.items():
        if not value.startswith("https://"):
            problems.append(f"{name} must be an https:// link, not {value!r}")
    if not settings.teams_developer_name:
        problems.append("TEAMS_APP_DEVELOPER is not set: the organisation Teams shows as the app's developer")
    values = {
        "BOT_ID": settings.app_id,
        "BOT_DOMAIN": base.netloc.rsplit("@", 1)[-1],
        "APP_VERSION": app_version(),
        "TEAMS_APP_DEVELOPER": settings.teams_developer_name,
        **links,
    }
    return values, problems


def fill_placeholders(value: Any, values: dict[str, str], unknown: set[str]) -> Any:
    """``value`` with every ``${{NAME}}`` in its strings replaced; names not in ``values`` go to ``unknown``."""
    if isinstance(value, dict):
        return {key: fill_placeholders(item, values, unknown) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(item, values, unknown) for item in value]
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                unknown.add(name)
                return match.group(0)
            return values[name]

        return _PLACEHOLDER.sub(replace, value)
    return value


def _read_json(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise AppPackageError([f"{path.name}: not a JSON object"])
    return document


def package_files(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The files the manifest names: its icons and its localization files."""
    icons = manifest.get("icons", {})
    languages = manifest.get("localizationInfo", {}).get("additionalLanguages", [])
    return tuple(str(icons[kind]) for kind in ICON_SIZES if kind in icons) + tuple(
        str(language["file"]) for language in languages
    )


def check_package(manifest: dict[str, Any], source: Path) -> list[str]:
    """Everything Teams would refuse, found here: schema, localization files, icons."""
    problems = schema_problems(manifest, MANIFEST_SCHEMA, "manifest.json")
    for language in manifest.get("localizationInfo", {}).get("additionalLanguages", []):
        path = source / language["file"]
        if not path.is_file():
            problems.append(f"{language['file']}: missing")
            continue
        problems += schema_problems(_read_json(path), LOCALIZATION_SCHEMA, language["file"])
    for kind, size in ICON_SIZES.items():
        name = manifest.get("icons", {}).get(kind)
        if name is None:
            continue
        path = source / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        try:
            actual = png_size(path.read_bytes())
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if actual != size:
            problems.append(f"{name}: the {kind} icon must be {size[0]}x{size[1]}, not {actual[0]}x{actual[1]}")
    return problems


def build_app_package(settings: Settings, output: Path = DEFAULT_OUTPUT, source: Path = APP_PACKAGE) -> AppPackage:
    """Write the zip Teams accepts (manifest.json, icons, localization files at its root)."""
    values, problems = placeholder_values(settings)
    unknown: set[str] = set()
    manifest = fill_placeholders(_read_json(source / "manifest.json"), values, unknown)
    problems += [f"manifest.json: placeholder ${{{{{name}}}}} has no setting" for name in sorted(unknown)]
    if problems:
        raise AppPackageError(problems)
    problems = check_package(manifest, source)
    if problems:
        raise AppPackageError(problems)
    files = package_files(manifest)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name in files:
            archive.write(source / name, arcname=name)
    logger.info("Teams app package %s for bot %s at %s", output, settings.app_id, values["BOT_DOMAIN"])
    return AppPackage(path=output, manifest=manifest, files=("manifest.json", *files))
