"""Operator commands, composed like ``app.py``: read the settings, migrate, act.

    python manage.py import-programme FILE [--team TEAM_ID] [--dry-run]
    python manage.py migrate
    python manage.py app-package [--output appPackage/build/appPackage.zip]

Why a CLI and not a Teams command: the programme is a file the coordinators
keep (and review) outside Teams; importing it is a deliberate act on the
server. Re-importing is safe (see ``forum/programme.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.app_package import DEFAULT_OUTPUT, AppPackageError, build_app_package
from bot.settings import Settings, SettingsError
from forum.checkins.rounds import sync_rounds
from forum.meetings.hooks import ProgrammeHooks
from forum.meetings.programme import ImportReport, forum_for_import, import_programme
from forum.meetings.programme_file import ProgrammeError, load_programme
from storage.database import create_engine, create_session_factory
from storage.migrate import head_revision, upgrade_to_head
from storage.types import utcnow

logger = logging.getLogger("foorumibotti.manage")

EXIT_OK = 0
EXIT_PROGRAMME = 1
EXIT_CONFIG = 2


class _DryRunRollbackError(Exception):
    """Raised inside the transaction to undo a dry run."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def programme_hooks() -> ProgrammeHooks:
    """What follows the programme, as the running bot wires it: the check-in rounds."""
    hooks = ProgrammeHooks()
    hooks.register("checkins", sync_rounds)
    return hooks


def _write(line: str = "") -> None:
    sys.stdout.write(line + "\n")


async def import_programme_command(settings: Settings, path: Path, team_id: str | None, *, dry_run: bool) -> int:
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
        sessions = create_session_factory(engine)
        async with sessions() as session:
            forum_id, forum_name = await forum_for_import(session, team_id)
        programme = load_programme(path, default_time_zone=settings.timezone)
        try:
            async with sessions() as session, session.begin():
                report = await import_programme(
                    session,
                    forum_id,
                    programme,
                    now=utcnow(),
                    quiet_default=settings.quiet_hours,
                    hooks=programme_hooks(),
                )
                if dry_run:
                    raise _DryRunRollbackError(report)
        except _DryRunRollbackError as undone:
            report = undone.report
        _write(f"{path} -> forum {forum_name!r}{' (dry run: nothing written)' if dry_run else ''}")
        for line in report.lines():
            _write(f"  {line}")
        return EXIT_OK
    except ProgrammeError as exc:
        _write(f"{path}: {len(exc.problems)} problem(s), nothing was imported:")
        for problem in exc.problems:
            _write(f"  {problem}")
        return EXIT_PROGRAMME
    finally:
        await engine.dispose()


async def migrate_command(settings: Settings) -> int:
    """Bring the database to the newest schema (the container's entrypoint runs this first)."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()
    _write(f"database schema at revision {head_revision()}")
    return EXIT_OK


def app_package_command(settings: Settings, output: Path) -> int:
    try:
        package = build_app_package(settings, output)
    except AppPackageError as exc:
        _write(f"the Teams app package was not built, {len(exc.problems)} problem(s):")
        for problem in exc.problems:
            _write(f"  {problem}")
        return EXIT_CONFIG
    _write(f"{package.path}: {', '.join(package.files)}")
    _write(f"  app id {package.manifest['id']}, bot {settings.app_id}, domain {package.manifest['validDomains'][0]}")
    _write("  upload it in Teams (Apps > Manage your apps > Upload an app) or the Teams admin centre")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="Foorumibotti operator commands")
    commands = parser.add_subparsers(dest="command", required=True)
    importer = commands.add_parser(
        "import-programme", help="import or update the forum's meetings from a TOML programme file"
    )
    importer.add_argument("file", type=Path, help="the programme file, e.g. programme/2024-2025.toml")
    importer.add_argument("--team", help="the forum's Teams team id (needed only when the bot serves several forums)")
    importer.add_argument("--dry-run", action="store_true", help="check the file and show what would change")
    commands.add_parser("migrate", help="bring the database to the newest schema (under a lock on PostgreSQL)")
    package = commands.add_parser(
        "app-package", help="build the Teams app package (zip) with the bot's app id and public host"
    )
    package.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the zip")
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        _write(f"configuration error: {exc}")
        return EXIT_CONFIG
    if args.command == "migrate":
        return asyncio.run(migrate_command(settings))
    if args.command == "app-package":
        return app_package_command(settings, args.output)
    return asyncio.run(import_programme_command(settings, args.file, args.team, dry_run=args.dry_run))


if __name__ == "__main__":
    raise SystemExit(main())
