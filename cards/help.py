"""The help card: the commands this person may use, in their language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards.elements import Element, adaptive_card, container, heading, text
from forum.i18n import tr


@dataclass(frozen=True)
class CommandHelp:
    """One line of help: message ids of the usage and the one-line summary."""

    usage_key: str
    summary_key: str
    coordinators_only: bool = False


def _section(locale: str, title_key: str, commands: Sequence[CommandHelp]) -> Element:
    items: list[Element] = [text(tr(locale, title_key), weight="Bolder", size="Medium")]
    for command in commands:
        items.append(text(f"**{tr(locale, command.usage_key)}**", spacing="Small"))
        items.append(text(tr(locale, command.summary_key), is_subtle=True, spacing="None"))
    return container(items, spacing="Medium")


def help_card(locale: str, commands: Sequence[CommandHelp], show_coordinator_commands: bool) -> Element:
    everyone = [c for c in commands if not c.coordinators_only]
    body = [
        heading(tr(locale, "help.title")),
        text(tr(locale, "help.intro")),
        _section(locale, "help.section.everyone", everyone),
    ]
    coordinator_only = [c for c in commands if c.coordinators_only]
    if show_coordinator_commands and coordinator_only:
        body.append(_section(locale, "help.section.coordinators", coordinator_only))
    return adaptive_card(body)
