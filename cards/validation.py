"""Check cards against the Adaptive Card 1.5 schema and Teams' size limit.

The schema is Microsoft's own (copied from ``schemas/1.5.0``); Teams renders
cards up to 1.5 and older clients refuse a message over about 40 KB.

Teams adds its own ``msteams`` property to the card (width, mentions), which
the standard schema forbids (``additionalProperties: false``). It is checked
here against the keys Teams documents and removed before the schema check,
so every other property still meets the strict schema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "adaptive-card-1.5.json"
MAX_CARD_BYTES = 40 * 1024
TEAMS_CARD_KEYS = frozenset({"width", "entities"})


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # Validate against the AdaptiveCard definition itself: the top-level anyOf
    # would report every problem as one unreadable "not valid under any".
    card_schema = {
        "$schema": schema["$schema"],
        "$ref": "#/definitions/AdaptiveCard",
        "definitions": schema["definitions"],
    }
    # Imported here: only tests and the chart check validate cards, and jsonschema (with
    # its referencing registry) is ~2 MiB of every replica's memory that a turn never uses.
    from jsonschema import validators

    cls = validators.validator_for(schema)
    return cls(card_schema)


def card_errors(card: dict[str, Any]) -> list[str]:
    """Every schema violation and a size overrun, as readable lines; empty when valid."""
    problems: list[str] = []
    standard = dict(card)
    teams = standard.pop("msteams", None)
    if teams is not None:
        if not isinstance(teams, dict):
            problems.append("msteams: must be an object")
        else:
            problems.extend(f"msteams/{key}: not a Teams card property" for key in sorted(set(teams) - TEAMS_CARD_KEYS))
            if teams.get("width", "Full") != "Full":
                problems.append("msteams/width: only 'Full' is supported")
    for error in _validator().iter_errors(standard):
        where = "/".join(str(p) for p in error.absolute_path) or "(card)"
        detail = error.message
        if error.context:
            best = min(error.context, key=lambda e: len(e.message))
            detail = f"{detail[:120]} ({best.message[:200]})"
        problems.append(f"{where}: {detail[:400]}")
    size = len(json.dumps(card, ensure_ascii=False).encode("utf-8"))
    if size > MAX_CARD_BYTES:
        problems.append(f"card is {size} bytes, over the {MAX_CARD_BYTES} byte limit")
    return problems
