"""The schema's head read without Alembic, and Alembic left unloaded when the schema is current.

Why it matters: Alembic is ~11 MiB of every replica's memory (``storage.migrate``), so
the start-up compares the revision files' head with the stored row first; that head
must be Alembic's own answer, and a history it cannot read as one line goes to Alembic.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from storage.migrate import MIGRATIONS, _config, _linear_head, head_revision

ROOT = Path(__file__).resolve().parents[2]


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    alembic_head = ScriptDirectory.from_config(_config()).get_current_head()
    assert _linear_head(MIGRATIONS / "versions") == alembic_head
    assert head_revision() == alembic_head


def _revision(folder: Path, name: str, revision: str, down: str | None) -> None:
    (folder / f"{name}.py").write_text(f"revision = {revision!r}\ndown_revision = {down!r}\n", encoding="utf-8")


def test_a_branched_or_unreadable_history_is_left_to_alembic(tmp_path: Path) -> None:
    _revision(tmp_path, "a", "0001", None)
    _revision(tmp_path, "b", "0002", "0001")
    assert _linear_head(tmp_path) == "0002"
    _revision(tmp_path, "c", "0003", "0001")  # two heads
    assert _linear_head(tmp_path) is None
    (tmp_path / "c.py").write_text("revision = '0003'\ndown_revision = ('0001', '0002')\n", encoding="utf-8")
    assert _linear_head(tmp_path) is None  # a merge revision
    (tmp_path / "c.py").write_text("revision = make()\ndown_revision = '0002'\n", encoding="utf-8")
    assert _linear_head(tmp_path) is None  # not a literal


def test_a_current_schema_starts_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}"
    script = (
        "import asyncio, sys\n"
        "from storage.database import create_engine\n"
        "from storage.migrate import upgrade_to_head\n"
        "async def main(url):\n"
        "    engine = create_engine(url)\n"
        "    await upgrade_to_head(engine)\n"
        "    await engine.dispose()\n"
        "asyncio.run(main(sys.argv[1]))\n"
        "print('alembic' in sys.modules)\n"
    )

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, url], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
        )
        return done.stdout.strip()

    assert run() == "True"  # an empty database: Alembic migrates it
    assert run() == "False"  # at head: one SELECT, no Alembic
