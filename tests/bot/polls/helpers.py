"""Shared steps of the poll tests: a forum of 50, the survey posted, answering it in the card."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.components import DATABASE
from storage.polls.models import PollRow
from tests.bot.meetings.helpers import inputs_of as inputs
from tests.bot.meetings.helpers import invoke_card, outbox_rows, press, settle
from tests.support.activities import KAISA, TEAM_ID, User, card_submit, channel_conversation, personal_message
from tests.support.driver import Driver

CHANNEL = channel_conversation()
KAISA_CHAT = "a:personal-kaisa"
PARTICIPANTS = (KAISA, *(User(f"p{n:02d}", f"Osallistuja {n:02d}", f"p{n:02d}@museo{n % 13}.fi") for n in range(1, 50)))
"""The forum's 50 people: Kaisa coordinates."""


async def poll_row(driver: Driver, number: int = 1) -> PollRow:
    async with driver.client.server.app[DATABASE].sessions() as session:
        row = await session.scalar(select(PollRow).where(PollRow.number == number))
        assert row is not None
        return row


async def posted(
    driver: Driver, command: str = "kysely aloita 1", *, number: int = 1
) -> tuple[int, dict[str, Any], str]:
    """Kaisa starts the poll and posts it from the preview; returns (poll id, channel card, its activity id)."""
    driver.connector.clear()
    await driver.send(personal_message(driver.service_url, KAISA, command))
    poll = await poll_row(driver, number)
    await press(driver, KAISA, "poll.post", {"pollId": poll.id})
    await settle(driver)
    [post] = [r for r in driver.connector.sent_to(TEAM_ID) if r.cards]
    [row] = [r for r in await outbox_rows(driver, "poll_card") if r.idempotency_key == f"poll:{poll.id}:card"]
    assert row.status == "sent" and row.activity_id
    driver.connector.clear()
    return poll.id, post.cards[0], row.activity_id


def random_answers(card: dict[str, Any], rng: random.Random, user: User) -> dict[str, str]:
    """What a person fills in: every statement, an open answer now and then."""
    values: dict[str, str] = {}
    for input_id, element in inputs(card).items():
        if element["type"] == "Input.ChoiceSet":
            values[input_id] = rng.choice(element["choices"])["value"]
        elif rng.random() < 0.5:
            values[input_id] = f"{user.name}: vertaistuki ja {rng.choice(['verkostot', 'kokeilut', '=HYPERLINK(1)'])}"
    return values


async def answer_execute(driver: Driver, user: User, poll_id: int, values: dict[str, str]) -> dict[str, Any]:
    return invoke_card(await press(driver, user, "poll.answer", {"pollId": poll_id, **values}, conversation=CHANNEL))


async def answer_submit(driver: Driver, user: User, poll_id: int, values: dict[str, str], reply_to: str) -> None:
    value = {"verb": "poll.answer", "pollId": poll_id, **values}
    await driver.send(card_submit(driver.service_url, user, value, conversation=CHANNEL, reply_to_id=reply_to))
    await settle(driver)


def channel_updates(driver: Driver, activity_id: str) -> list[dict[str, Any]]:
    return [
        r.cards[0] for r in driver.connector.updated if r.conversation_id == TEAM_ID and r.activity_id == activity_id
    ]


def path_of(url: str) -> str:
    return urlsplit(url).path


def elements(card: Any, kind: str) -> list[dict[str, Any]]:
    """Every element of ``kind`` in the card, fallbacks included."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found
