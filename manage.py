"""Operator commands, composed like ``app.py``: read the settings, migrate, act.

    python manage.py import-programme FILE [--team TEAM_ID] [--dry-run]
    python manage.py import-poll FILE [--team TEAM_ID] [--dry-run]
    python manage.py import-poll-round FILE --label 2018-2019 [--team TEAM_ID]
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
from typing import Any

from bot.app_package import DEFAULT_OUTPUT, AppPackageError, build_app_package
from bot.settings import Settings, SettingsError
from forum.checkins.programme_section import register_programme_section
from forum.checkins.rounds import sync_rounds
from forum.meetings.hooks import ProgrammeHooks
from forum.meetings.programme import ImportReport, forum_for_import, import_programme
from forum.meetings.programme_file import ProgrammeError, load_programme
from forum.polls.definition import PollFileError, load_poll_file, text_in
from forum.polls.model import create_poll
from forum.polls.rounds import RoundFileError, import_round, parse_round
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
    """What follows the programme, as the running bot wires it: the check-in rounds and their rules."""
    hooks = ProgrammeHooks()
    hooks.register("checkins", sync_rounds)
    register_programme_section(hooks)
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
        hooks = programme_hooks()
        programme = load_programme(path, default_time_zone=settings.timezone, sections=hooks.section_readers)
        try:
            async with sessions() as session, session.begin():
                report = await import_programme(
                    session,
                    forum_id,
                    programme,
                    now=utcnow(),
                    quiet_default=settings.quiet_hours,
                    hooks=hooks,
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


async def _forum_and_sessions(settings: Settings, team_id: str | None) -> tuple[Any, Any, int, str]:
    engine = create_engine(settings.database_url)
    await upgrade_to_head(engine)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            forum_id, forum_name = await forum_for_import(session, team_id)
    except ProgrammeError:
        await engine.dispose()
        raise
    return engine, sessions, forum_id, forum_name


async def import_poll_command(settings: Settings, path: Path, team_id: str | None, *, dry_run: bool) -> int:
    """A poll file becomes a draft poll of the forum (``kysely aloita N`` then posts it)."""
    try:
        definition = load_poll_file(path, time_zone=settings.timezone)
        engine, sessions, forum_id, forum_name = await _forum_and_sessions(settings, team_id)
    except (PollFileError, ProgrammeError) as exc:
        problems = exc.problems if isinstance(exc, PollFileError) else [str(p) for p in exc.problems]
        _write(f"{path}: {len(problems)} problem(s), nothing was imported:")
        for problem in problems:
            _write(f"  {problem}")
        return EXIT_PROGRAMME
    try:
        title = text_in(definition.title, "fi")
        if dry_run:
            questions = len(definition.questions)
            _write(f"{path} -> forum {forum_name!r} (dry run: nothing written): {title}, {questions} questions")
            return EXIT_OK
        async with sessions() as session, session.begin():
            poll = await create_poll(session, forum_id, definition)
        _write(
            f"{path} -> forum {forum_name!r}: poll {poll.number} ({title}), {len(poll.questions)} questions, a draft"
        )
        _write(f"  post it in Teams: kysely aloita {poll.number}")
        return EXIT_OK
    finally:
        await engine.dispose()


async def import_round_command(settings: Settings, path: Path, label: str, team_id: str | None) -> int:
    """An earlier round's figures (statement; mean; count) for the results' comparison."""
    try:
        rows = parse_round(path.read_text(encoding="utf-8"))
        engine, sessions, forum_id, forum_name = await _forum_and_sessions(settings, team_id)
    except (RoundFileError, ProgrammeError) as exc:
        problems = exc.problems if isinstance(exc, RoundFileError) else [str(p) for p in exc.problems]
        _write(f"{path}: {len(problems)} problem(s), nothing was imported:")
        for problem in problems:
            _write(f"  {problem}")
        return EXIT_PROGRAMME
    try:
        async with sessions() as session, session.begin():
            count = await import_round(session, forum_id, label, rows, utcnow())
        _write(f"{path} -> forum {forum_name!r}: round {label!r}, {count} statements")
        return EXIT_OK
    except RoundFileError as exc:
        _write(f"{path}: {exc}")
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
    poll = commands.add_parser("import-poll", help="add a poll from a TOML poll file as a draft")
    poll.add_argument("file", type=Path, help="the poll file, e.g. polls/example.toml")
    poll.add_argument("--team", help="the forum's Teams team id (needed only when the bot serves several forums)")
    poll.add_argument("--dry-run", action="store_true", help="check the file only")
    rounds = commands.add_parser(
        "import-poll-round", help="import an earlier round's means (CSV: statement;mean;count)"
    )
    rounds.add_argument("file", type=Path, help="the CSV, e.g. polls/round-2018-2019.csv")
    rounds.add_argument("--label", required=True, help="the round's name on the charts, e.g. 2018-2019")
    rounds.add_argument("--team", help="the forum's Teams team id (needed only when the bot serves several forums)")
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
    if args.command == "import-poll":
        return asyncio.run(import_poll_command(settings, args.file, args.team, dry_run=args.dry_run))
    if args.command == "import-poll-round":
        return asyncio.run(import_round_command(settings, args.file, args.label, args.team))
    return asyncio.run(import_programme_command(settings, args.file, args.team, dry_run=args.dry_run))


if __name__ == "__main__":
    raise SystemExit(main())
