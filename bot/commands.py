"""Text commands in Finnish, Swedish and English, parsed into a name and arguments.

Every command has its words in all three languages; a person may type any of
them whatever their chosen language (people switch mid-sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cards.help import CommandHelp


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    help: CommandHelp
    coordinators_only: bool = False


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    argument: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "help",
        ("help", "apua", "ohje", "hjälp", "hjalp", "?"),
        CommandHelp("command.help.usage", "command.help.summary"),
    ),
    CommandSpec(
        "language",
        ("kieli", "language", "språk", "sprak", "lang"),
        CommandHelp("command.language.usage", "command.language.summary"),
    ),
    CommandSpec(
        "coordinator_add",
        (
            "koordinaattori lisää",
            "koordinaattori lisaa",
            "coordinator add",
            "koordinator lägg till",
            "koordinator lagg till",
        ),
        CommandHelp("command.coordinator_add.usage", "command.coordinator_add.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "privacy",
        ("tietosuoja", "tietosuojaseloste", "dataskydd", "privacy"),
        CommandHelp("privacy.command.notice.usage", "privacy.command.notice.summary"),
    ),
    CommandSpec(
        "my_data",
        ("omat tietoni", "minun tietoni", "mina uppgifter", "my data"),
        CommandHelp("privacy.command.my_data.usage", "privacy.command.my_data.summary"),
    ),
    CommandSpec(
        "forget_me",
        ("unohda minut", "glöm mig", "glom mig", "forget me"),
        CommandHelp("privacy.command.forget_me.usage", "privacy.command.forget_me.summary"),
    ),
    CommandSpec(
        "forget_member",
        ("unohda henkilö", "unohda henkilo", "glöm person", "glom person", "forget person"),
        CommandHelp(
            "privacy.command.forget_member.usage", "privacy.command.forget_member.summary", coordinators_only=True
        ),
        coordinators_only=True,
    ),
    CommandSpec(
        "status",
        ("tila", "status"),
        CommandHelp("status.command.usage", "status.command.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "meetings",
        ("tapaamiset", "meetings", "möten", "moten"),
        CommandHelp("meeting.command.list.usage", "meeting.command.list.summary"),
    ),
    CommandSpec(
        "rsvp_names",
        ("ilmoittautuneet", "rsvp", "anmälda", "anmalda"),
        CommandHelp("rsvp.command.names.usage", "rsvp.command.names.summary"),
    ),
    CommandSpec(
        "meeting_add",
        (
            "tapaaminen lisää",
            "tapaaminen lisaa",
            "lisää tapaaminen",
            "lisaa tapaaminen",
            "meeting add",
            "add meeting",
            "möte lägg till",
            "mote lagg till",
            "lägg till möte",
            "lagg till mote",
        ),
        CommandHelp("meeting.command.add.usage", "meeting.command.add.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "meeting_edit",
        (
            "tapaaminen muokkaa",
            "muokkaa tapaamista",
            "meeting edit",
            "edit meeting",
            "möte ändra",
            "mote andra",
            "ändra möte",
            "andra mote",
        ),
        CommandHelp("meeting.command.edit.usage", "meeting.command.edit.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "meeting_cancel",
        (
            "tapaaminen peru",
            "peru tapaaminen",
            "meeting cancel",
            "cancel meeting",
            "möte ställ in",
            "mote stall in",
            "ställ in möte",
            "stall in mote",
        ),
        CommandHelp("meeting.command.cancel.usage", "meeting.command.cancel.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "announce",
        ("ilmoita", "announce", "meddela"),
        CommandHelp("meeting.command.announce.usage", "meeting.command.announce.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "polls",
        ("kyselyt", "polls", "enkäter", "enkater"),
        CommandHelp("poll.command.list.usage", "poll.command.list.summary"),
    ),
    CommandSpec(
        "poll_results",
        ("kysely tulokset", "kyselyn tulokset", "poll results", "enkät resultat", "enkat resultat"),
        CommandHelp("poll.command.results.usage", "poll.command.results.summary"),
    ),
    CommandSpec(
        "poll_new",
        ("kysely uusi", "uusi kysely", "poll new", "new poll", "enkät ny", "enkat ny", "ny enkät", "ny enkat"),
        CommandHelp("poll.command.new.usage", "poll.command.new.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "poll_start",
        (
            "kysely aloita",
            "aloita kysely",
            "poll start",
            "start poll",
            "enkät starta",
            "enkat starta",
            "starta enkät",
            "starta enkat",
        ),
        CommandHelp("poll.command.start.usage", "poll.command.start.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "poll_close",
        (
            "kysely sulje",
            "sulje kysely",
            "poll close",
            "close poll",
            "enkät stäng",
            "enkat stang",
            "stäng enkät",
            "stang enkat",
        ),
        CommandHelp("poll.command.close.usage", "poll.command.close.summary", coordinators_only=True),
        coordinators_only=True,
    ),
    CommandSpec(
        "poll_export",
        ("kysely vie", "vie kysely", "poll export", "export poll", "enkät exportera", "enkat exportera"),
        CommandHelp("poll.command.export.usage", "poll.command.export.summary", coordinators_only=True),
        coordinators_only=True,
    ),
)

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def parse_command(text: str, commands: tuple[CommandSpec, ...] = COMMANDS) -> ParsedCommand | None:
    """Match the longest alias at the start of ``text``; None when nothing matches."""
    cleaned = normalize(text)
    lowered = cleaned.lower()
    best: tuple[int, CommandSpec] | None = None
    for spec in commands:
        for alias in spec.aliases:
            if (lowered == alias or lowered.startswith(alias + " ")) and (best is None or len(alias) > best[0]):
                best = (len(alias), spec)
    if best is None:
        return None
    length, spec = best
    return ParsedCommand(spec.name, cleaned[length:].strip())


def spec_of(name: str, commands: tuple[CommandSpec, ...] = COMMANDS) -> CommandSpec:
    return next(spec for spec in commands if spec.name == name)
