"""What ``import app`` must not load: libraries a usual turn never needs (memory, issue 9).

Each is imported where it is used, with the reason beside the import; this test keeps a
new module-level import from quietly bringing one back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("alembic", "botbuilder.dialogs", "recognizers_text", "emoji", "dialogs.checkin", "icalendar", "jsonschema")


def test_importing_the_app_leaves_the_heavy_libraries_unloaded() -> None:
    script = f"import json, sys, app; print(json.dumps([m for m in {list(LAZY)!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
