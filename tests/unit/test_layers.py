"""The one-way flow of DESIGN.md, enforced: the domain, the cards and the storage never
import the Teams edge, and botbuilder stays in bot/ and dialogs/ (so moving off the archived
SDK touches only those two folders)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "forum": ("bot", "dialogs", "cards", "botbuilder", "botframework", "aiohttp", "msrest"),
    "cards": ("bot", "dialogs", "storage", "botbuilder", "botframework", "aiohttp", "msrest"),
    "storage": ("bot", "dialogs", "forum", "cards", "botbuilder", "botframework", "aiohttp", "msrest"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_keeps_to_its_layer(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for name in sorted(_imports(path) & set(FORBIDDEN[package]))
    ]
    assert offences == []
