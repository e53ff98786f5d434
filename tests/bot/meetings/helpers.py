"""Shared steps of the meeting tests: a forum with a programme, reading cards and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.components import BOT, DATABASE
from bot.delivery.context import DELIVERY
from forum.meetings.programme import import_programme
from forum.meetings.programme_file import parse_programme
from storage.models import MeetingRow, OutboxMessageRow, RsvpRow
from tests.support.activities import LIISA, TEAM_ID, User, card_execute, personal_conversation
from tests.support.driver import Driver

HELSINKI = ZoneInfo("Europe/Helsinki")
HOST = "Tampereen museot"


def future_day(days: int = 30) -> datetime:
    """A weekday ``days`` or more from now at 10.00 Helsinki time (never asserted on)."""
    day = (datetime.now(UTC) + timedelta(days=days)).astimezone(HELSINKI).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=HELSINKI)


def programme_text(start: datetime, *, number: int = 1, host_members: tuple[User, ...] = (LIISA,)) -> str:
    end = start.replace(hour=16)
    deadline = start - timedelta(days=7)
    members = ", ".join(f'"{user.email}"' for user in host_members)
    return f"""
[forum]
reminder_offsets_hours = [168, 24]

[[museums]]
name = "{HOST}"
members = [{members}]

[[museums]]
name = "Ateneum"

[[meetings]]
number = {number}
theme = "Kokeilemalla kehittäminen käytännössä"
description = "Omien kokeilujen esittely ja sparraus."
starts_at = {start.strftime("%Y-%m-%dT%H:%M:%S")}
ends_at = {end.strftime("%Y-%m-%dT%H:%M:%S")}
rsvp_deadline = {deadline.strftime("%Y-%m-%dT%H:%M:%S")}
host_museum = "{HOST}"
venue_address = "Vapriikki, Alaverstaanraitti 5, Tampere"
join_url = "https://teams.microsoft.com/l/meetup-join/forum-{number}"
"""


async def seed_programme(driver: Driver, text: str) -> int:
    """Import ``text`` into the installed forum as the CLI would; returns the forum id."""
    app = driver.client.server.app
    roster = app[BOT].roster
    forum = await roster.forum_for_team(TEAM_ID)
    assert forum is not None
    async with app[DATABASE].sessions() as session, session.begin():
        await import_programme(session, forum.id, parse_programme(text), now=datetime.now(UTC))
    return forum.id


async def settle(driver: Driver) -> None:
    """Let kicked deliveries finish (the outbox worker runs in the app)."""
    await driver.client.server.app[DELIVERY].pump.settle()


def app_of(client: TestClient[Any, Any]) -> Any:
    return client.server.app


async def meeting_row(driver: Driver, number: int = 1) -> MeetingRow:
    async with driver.client.server.app[DATABASE].sessions() as session:
        row = await session.scalar(select(MeetingRow).where(MeetingRow.number == number))
        assert row is not None
        return row


async def meeting_count(driver: Driver) -> int:
    async with driver.client.server.app[DATABASE].sessions() as session:
        return len((await session.scalars(select(MeetingRow))).all())


async def rsvp_rows(driver: Driver) -> list[RsvpRow]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        return list((await session.scalars(select(RsvpRow))).all())


async def outbox_rows(driver: Driver, purpose: str | None = None) -> list[OutboxMessageRow]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        query = select(OutboxMessageRow).order_by(OutboxMessageRow.id)
        if purpose is not None:
            query = query.where(OutboxMessageRow.purpose == purpose)
        return list((await session.scalars(query)).all())


def verbs_of(card: dict[str, Any]) -> list[str]:
    return [a["verb"] for a in card.get("actions", []) if a.get("type") == "Action.Execute"]


def invoke_card(body: Any) -> dict[str, Any]:
    assert isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive", body
    card: dict[str, Any] = body["value"]
    return card


async def press(
    driver: Driver, user: User, verb: str, data: dict[str, Any], *, conversation: dict[str, Any] | None = None
) -> Any:
    """An Action.Execute press; returns the invoke response body once what it queued was delivered.

    Settling here also means no kicked delivery is still running when the
    test ends and the fake connector goes away.
    """
    payload = {"verb": verb, **data}
    body = await driver.send(
        card_execute(driver.service_url, user, verb, payload, conversation=conversation or personal_conversation(user))
    )
    await settle(driver)
    return body


def inputs_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's inputs by id."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                found[node["id"]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def submitted(card: dict[str, Any], verb: str, **changes: Any) -> dict[str, Any]:
    """What Teams sends when ``verb`` is pressed: the action's data merged with the inputs' values."""
    action = next(a for a in card["actions"] if a.get("verb") == verb)
    data: dict[str, Any] = dict(action["data"])
    for input_id, element in inputs_of(card).items():
        if "value" in element:
            data[input_id] = str(element["value"])
    data.update(changes)
    return data


def error_under(card: dict[str, Any], input_id: str) -> str | None:
    """The red text right below an input, if any."""
    items: list[Any] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("body", "items"):
                if isinstance(node.get(key), list):
                    items.append(node[key])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(card)
    for sequence in items:
        for index, element in enumerate(sequence):
            if isinstance(element, dict) and element.get("id") == input_id and index + 1 < len(sequence):
                following = sequence[index + 1]
                if following.get("type") == "TextBlock" and following.get("color") == "Attention":
                    return str(following["text"])
    return None
