"""``manage.py import-poll`` and ``import-poll-round``: a draft poll from a file, an earlier round's figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.settings import Settings
from manage import EXIT_OK, EXIT_PROGRAMME, import_poll_command, import_round_command
from storage.polls.models import PollBaselineRow, PollRow
from tests.forum.meetings.fixtures import Sessions
from tests.support.outbox import seed_forum

ROOT = Path(__file__).resolve().parents[3]


async def test_a_poll_file_and_an_earlier_round_are_imported(
    sessions: Sessions, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_forum(sessions, "http://127.0.0.1:9/")
    settings = Settings(database_url=database_url)
    assert await import_poll_command(settings, ROOT / "polls" / "example.toml", None, dry_run=True) == EXIT_OK
    assert await import_poll_command(settings, ROOT / "polls" / "example.toml", None, dry_run=False) == EXIT_OK
    assert "poll 1 (Tapaaminen 3: palaute), 3 questions" in capsys.readouterr().out
    assert await import_round_command(settings, ROOT / "polls" / "round-2018-2019.csv", "2018–2019", None) == EXIT_OK
    async with sessions() as session:
        polls = (await session.scalars(select(PollRow))).all()
        baselines = (await session.scalars(select(PollBaselineRow))).all()
    assert [p.status for p in polls] == ["draft"]
    assert [b.position for b in baselines] == list(range(1, 8)) and baselines[0].mean == 4.5


async def test_a_bad_poll_file_imports_nothing(
    sessions: Sessions, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_forum(sessions, "http://127.0.0.1:9/")
    bad = tmp_path / "bad.toml"
    bad.write_text('[poll]\ntitle = "X"\n[[questions]]\nkind = "scale"\nscale = "1-7"\ntext = "?"\n', encoding="utf-8")
    assert await import_poll_command(Settings(database_url=database_url), bad, None, dry_run=False) == EXIT_PROGRAMME
    assert "questions[1].scale" in capsys.readouterr().out
