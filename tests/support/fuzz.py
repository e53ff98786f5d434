"""A seeded corpus of random activities: every command and every card button the bot has,
with odd arguments, odd people and odd shapes.

Why generated from the running bot's registries: a command or a card verb added later is in
the corpus the day it is registered, with nothing to remember. The same seed always gives
the same cases (a failure names its case number; rerun with that seed to see it again).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tests.support.activities import (
    KAISA,
    LIISA,
    MATTI,
    User,
    bot_added_to_team,
    card_execute,
    card_submit,
    channel_conversation,
    channel_message,
    group_chat_message,
    installation_update,
    members_added,
    members_removed,
    personal_conversation,
    personal_message,
    team_renamed,
)

OUTSIDER = User("ulkopuolinen", "Ulla Ulkopuolinen", "ulla@example.org")
"""Not on the forum's roster."""
FOREIGN_TENANT = "0badc0de-0000-0000-0000-000000000666"
PEOPLE = (KAISA, MATTI, LIISA, OUTSIDER)

ODD_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "²",
    "①",
    "٣",
    "１２",
    "-1",
    "0",
    "1",
    "2",
    "99",
    "1e3",
    "0x1f",
    "1.5",
    "9" * 30,
    "2147483648",
    "True",
    "null",
    "${jndi:ldap://x}",
    "'; DROP TABLE person; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%s%n",
    "../../etc/passwd",
    "\x00",
    "a\x00b",
    "\u0007\u001b[31m",
    "\u202eevil",
    "\ufeff",
    "🙂👩‍🔬🇫🇮",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "å" * 300,
    "\n\n\t",
    "2026-13-45",
    "25:61",
    "https://evil.example/x",
    "javascript:alert(1)",
    "kaisa@museovirasto.fi",
    "<at>Foorumibotti</at>",
    "#1",
    "nro 1",
)
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    1,
    -1,
    10**30,
    -(10**30),
    2**31,
    1.5,
    float("1e308"),
    [],
    [1, 2],
    {},
    {"a": {"b": [None]}},
)
LOCALES: tuple[Any, ...] = (
    "fi-FI",
    "sv-FI",
    "sv-SE",
    "en-US",
    "en-GB",
    "fi",
    None,
    "",
    "en-US-x-abcdefghi",
    "xx",
    "ÄÄ-ÖÖ",
    5,
)
TYPES = (
    "message",
    "conversationUpdate",
    "installationUpdate",
    "invoke",
    "messageReaction",
    "typing",
    "event",
    "messageUpdate",
    "messageDelete",
    "endOfConversation",
    "handoff",
    "trace",
    "unknownType",
)


@dataclass(frozen=True)
class Case:
    number: int
    kind: str
    activity: dict[str, Any]
    foreign: bool = False
    """From another tenant: must be refused (403) and change nothing."""


class Corpus:
    """Cases for one bot: its command aliases and card verbs, one seed."""

    def __init__(
        self, service_url: str, aliases: Sequence[str], verbs: Sequence[str], data_keys: Sequence[str], seed: int
    ):
        self.service_url = service_url
        self.aliases = tuple(aliases)
        self.verbs = tuple(verbs)
        self.data_keys = tuple(data_keys)
        self.random = random.Random(seed)

    # --- values -------------------------------------------------------

    def odd_string(self) -> str:
        roll = self.random.random()
        if roll < 0.01:
            return "x" * self.random.choice((70_000, 300_000, 900_000))
        if roll < 0.1:
            return "".join(chr(self.random.randrange(0, 0x3000)) for _ in range(self.random.randrange(1, 40)))
        return self.random.choice(ODD_STRINGS)

    def odd_value(self) -> Any:
        return self.odd_string() if self.random.random() < 0.6 else copy.deepcopy(self.random.choice(ODD_VALUES))

    def argument(self) -> str:
        words = [self.odd_string() for _ in range(self.random.randrange(0, 3))]
        return " ".join(word for word in words if len(word) < 1000) if self.random.random() < 0.9 else self.odd_string()

    def person(self) -> User:
        return self.random.choice(PEOPLE)

    def data(self, verb: str) -> dict[str, Any]:
        data: dict[str, Any] = {"verb": verb} if self.random.random() < 0.9 else {}
        for key in self.random.sample(self.data_keys, k=min(len(self.data_keys), self.random.randrange(0, 6))):
            data[key] = self.random.choice((1, 2, "1")) if self.random.random() < 0.3 else self.odd_value()
        if self.random.random() < 0.1:
            data[self.odd_string()[:50] or "k"] = self.odd_value()
        return data

    # --- activities ---------------------------------------------------

    def command(self) -> dict[str, Any]:
        text = f"{self.random.choice(self.aliases)} {self.argument()}".strip()
        person = self.person()
        roll = self.random.random()
        if roll < 0.6:
            return personal_message(self.service_url, person, text, locale=self.random.choice(LOCALES))
        if roll < 0.9:
            return channel_message(self.service_url, person, text, mentions=(self.person(),) if roll < 0.7 else ())
        return group_chat_message(self.service_url, person, text)

    def button(self) -> dict[str, Any]:
        verb = self.random.choice(self.verbs) if self.random.random() < 0.9 else self.odd_string()[:100]
        person = self.person()
        conversation = personal_conversation(person) if self.random.random() < 0.6 else channel_conversation("1")
        data = self.data(verb)
        if self.random.random() < 0.5:
            activity = card_execute(self.service_url, person, verb, data, conversation=conversation)
            if self.random.random() < 0.1:
                activity["value"] = self.random.choice(
                    (
                        {"action": self.odd_value()},
                        {"action": {"type": "Action.Execute", "verb": self.odd_value()}},
                        self.odd_value(),
                    )
                )
            return activity
        return card_submit(
            self.service_url,
            person,
            data,
            conversation=conversation,
            reply_to_id=self.random.choice((None, "card-1", "x" * 300)),
        )

    def roster_event(self) -> dict[str, Any]:
        person = self.person()
        roll = self.random.random()
        odd_user = User(self.odd_string()[:40] or "tyhjä", self.odd_string()[:400], "odd@example.fi")
        if roll < 0.2:
            return members_added(self.service_url, person, (odd_user, self.person()))
        if roll < 0.35:
            return members_removed(self.service_url, person, [self.odd_string()[:100], OUTSIDER.id])
        if roll < 0.5:
            return team_renamed(self.service_url, person, self.odd_string())
        if roll < 0.65:
            activity = bot_added_to_team(self.service_url, person, locale=self.random.choice(LOCALES))
            if self.random.random() < 0.5:
                activity["channelData"]["team"]["id"] = self.odd_value()
            return activity
        activity = installation_update(
            self.service_url,
            person,
            self.random.choice(("add", "remove", "add-upgrade", "", None)),
            team=self.random.random() < 0.5,
        )
        if self.random.random() < 0.3:
            activity["channelData"]["team"] = {"id": self.odd_value(), "name": self.odd_string()}
        return activity

    def other(self) -> dict[str, Any]:
        activity = personal_message(self.service_url, self.person(), self.argument())
        activity["type"] = self.random.choice(TYPES)
        if activity["type"] == "invoke":
            activity["name"] = self.random.choice(
                ("task/fetch", "composeExtension/query", "signin/verifyState", "", self.odd_string()[:100])
            )
            activity["value"] = self.odd_value()
        if activity["type"] == "messageReaction":
            activity["reactionsAdded"] = [{"type": self.odd_value()}]
        if activity["type"] == "event":
            activity["name"] = self.odd_string()[:100]
            activity["value"] = self.odd_value()
        return activity

    def mutated(self, activity: dict[str, Any]) -> dict[str, Any]:
        """One field anywhere in the tree replaced by an odd value (or removed)."""
        paths: list[tuple[Any, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    paths.append((node, key))
                    walk(value)
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    paths.append((node, index))
                    walk(value)

        walk(activity)
        container, key = self.random.choice(paths)
        if isinstance(container, dict) and self.random.random() < 0.2:
            del container[key]
        else:
            container[key] = self.odd_value()
        return activity

    def cases(self, count: int) -> Iterator[Case]:
        makers = (
            ("command", self.command, 0.40),
            ("button", self.button, 0.30),
            ("roster", self.roster_event, 0.12),
            ("other", self.other, 0.08),
        )
        for number in range(count):
            roll = self.random.random()
            kind, make = "mutated", self.command
            for name, maker, share in makers:
                if roll < share:
                    kind, make = name, maker
                    break
                roll -= share
            activity = make()
            if kind == "mutated":
                activity = self.mutated(self.random.choice((self.command, self.button, self.roster_event))())
            foreign = self.random.random() < 0.04
            if foreign:
                data = activity.get("channelData")
                activity["channelData"] = dict(data if isinstance(data, dict) else {}, tenant={"id": FOREIGN_TENANT})
                if isinstance(activity.get("conversation"), dict):
                    activity["conversation"]["tenantId"] = FOREIGN_TENANT
            yield Case(number, kind, activity, foreign)
