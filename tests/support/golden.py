"""Golden snapshots: a card's JSON compared with the file checked in beside the tests.

Run with ``UPDATE_GOLDEN=1`` to (re)write the files after an intended change,
then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "cards" / "golden"


def assert_matches_golden(name: str, card: dict[str, Any]) -> None:
    path = GOLDEN_DIR / f"{name}.json"
    rendered = json.dumps(card, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI", "").lower() == "true" and not path.exists():
            raise AssertionError(f"golden file {path.name} is missing; create it with UPDATE_GOLDEN=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        return
    assert rendered == path.read_text(encoding="utf-8"), f"{name} differs from {path} (UPDATE_GOLDEN=1 to accept)"
