"""``python manage.py import-programme``: composes like app.py, reports plainly, exits non-zero on errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from manage import EXIT_OK, EXIT_PROGRAMME, import_programme_command, main
from tests.forum.meetings.fixtures import Sessions, programme, seed
from tests.forum.meetings.test_programme import SHIPPED


async def test_imports_the_shipped_programme_into_the_only_forum(
    sessions: Sessions, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(sessions, text="[forum]\n")
    settings = Settings(database_url=database_url)
    assert await import_programme_command(settings, SHIPPED, None, dry_run=True) == EXIT_OK
    assert "dry run" in capsys.readouterr().out
    assert await import_programme_command(settings, SHIPPED, None, dry_run=False) == EXIT_OK
    first = capsys.readouterr().out
    assert "meetings created: 1, 2, 3, 4, 5, 6, 7" in first
    assert await import_programme_command(settings, SHIPPED, "19:forum-team@thread.tacv2", dry_run=False) == EXIT_OK
    assert "meetings unchanged: 1, 2, 3, 4, 5, 6, 7" in capsys.readouterr().out


async def test_a_bad_file_imports_nothing_and_says_where(
    sessions: Sessions, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(sessions, text="[forum]\n")
    bad = tmp_path / "bad.toml"
    bad.write_text(programme().replace('host_museum = "Tampereen museot"', 'host_museum = "Louvre"'), encoding="utf-8")
    code = await import_programme_command(Settings(database_url=database_url), bad, None, dry_run=False)
    out = capsys.readouterr().out
    assert code == EXIT_PROGRAMME
    assert "nothing was imported" in out and "host_museum" in out and "line " in out


async def test_without_a_forum_or_with_an_unknown_team(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_url=database_url)
    assert await import_programme_command(settings, SHIPPED, None, dry_run=False) == EXIT_PROGRAMME
    assert "install the bot" in capsys.readouterr().out
    assert await import_programme_command(settings, SHIPPED, "19:nope", dry_run=False) == EXIT_PROGRAMME
    assert "no forum for team" in capsys.readouterr().out


def test_usage_without_arguments() -> None:
    with pytest.raises(SystemExit) as usage:
        main([])
    assert usage.value.code == 2
