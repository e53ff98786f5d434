"""Reading what a card says, for assertions: its text blocks, facts and button titles."""

from __future__ import annotations

from typing import Any


def all_text(card: dict[str, Any]) -> str:
    """Every TextBlock, fact and action title of a card, one per line."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node["text"]))
            if "title" in node and "value" in node and node.get("type") is None:
                found.append(f"{node['title']}: {node['value']}")
            if str(node.get("type", "")).startswith("Action.") and "title" in node:
                found.append(str(node["title"]))
            for key, value in node.items():
                if key != "fallback":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(found)
