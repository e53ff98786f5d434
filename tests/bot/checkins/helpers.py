"""Shared steps of the check-in tests: a forum with a programme of meetings, rounds and answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.checkins.context import CHECKINS
from bot.components import BOT, DATABASE
from bot.delivery.context import DELIVERY
from bot.meetings.context import MEETINGS
from forum.delivery.outbox_delivery import OutboxDelivery
from forum.delivery.quiet_hours import NEVER_QUIET
from forum.meetings.programme import import_programme
from forum.meetings.programme_file import parse_programme
from storage.checkins.models import CheckinRoundRow, CheckinRow
from storage.models import OutboxMessageRow
from tests.bot.meetings.helpers import future_day, invoke_card
from tests.support.activities import ANNA, ERIK, LIISA, TEAM_ID, User, card_execute, personal_conversation
from tests.support.driver import Driver
from tests.support.outbox import VirtualClock, drain_until_settled, make_worker

TAMPERE = "Tampereen museot"
ATENEUM = "Ateneum"
AMOS = "Amos Rex"


def programme(first: datetime, gap_days: int = 60, count: int = 2) -> str:
    meetings = []
    for index in range(count):
        start = first + timedelta(days=gap_days * index)
        meetings.append(
            f"""
[[meetings]]
number = {index + 1}
theme = "Tapaaminen {index + 1}"
starts_at = {start.strftime("%Y-%m-%dT%H:%M:%S")}
ends_at = {start.replace(hour=16).strftime("%Y-%m-%dT%H:%M:%S")}
host_museum = "{TAMPERE}"
"""
        )
    return f"""
[[museums]]
name = "{TAMPERE}"
members = ["{LIISA.email}"]

[[museums]]
name = "{ATENEUM}"
members = ["{ANNA.email}"]

[[museums]]
name = "{AMOS}"
members = ["{ERIK.email}"]
""" + "".join(meetings)


async def seed(driver: Driver, text: str | None = None, *, install: bool = True) -> int:
    """Install the bot and import a programme through the meetings' hooks (rounds follow)."""
    if install:
        await driver.install()
    app = driver.client.server.app
    found = await app[BOT].roster.forum_for_team(TEAM_ID)
    assert found is not None
    hooks = app[MEETINGS].hooks
    async with app[DATABASE].sessions() as session, session.begin():
        await import_programme(
            session,
            found.id,
            parse_programme(text or programme(future_day(3)), sections=hooks.section_readers),
            now=datetime.now(UTC),
            hooks=hooks,
        )
    return found.id


async def settle(driver: Driver) -> None:
    await driver.client.server.app[DELIVERY].pump.settle()


async def rows(driver: Driver, model: Any) -> list[Any]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


async def rounds(driver: Driver) -> list[CheckinRoundRow]:
    return await rows(driver, CheckinRoundRow)


async def checkins(driver: Driver) -> list[CheckinRow]:
    return await rows(driver, CheckinRow)


async def outbox(driver: Driver, purpose: str) -> list[OutboxMessageRow]:
    return [row for row in await rows(driver, OutboxMessageRow) if row.purpose == purpose]


async def press(driver: Driver, user: User, verb: str, data: dict[str, Any]) -> dict[str, Any] | None:
    body = await driver.send(
        card_execute(driver.service_url, user, verb, {"verb": verb, **data}, conversation=personal_conversation(user))
    )
    await settle(driver)
    if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
        return invoke_card(body)
    return None


def answer(round_id: int | None = None, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "experiment": "new",
        "new_experiment": "Perhesunnuntait",
        "status": "in_progress",
        "tried": "Kokeilimme sunnuntaiopastuksia lapsiperheille.",
        "learned": "Lyhyt kierros toimii paremmin.",
        "help_wanted": "",
        "shared": "false",
    }
    if round_id is not None:
        data["roundId"] = round_id
    data.update(values)
    return data


def cards_sent_to_people(driver: Driver) -> list[dict[str, Any]]:
    return [card for record in driver.connector.sent for card in record.cards]


# --- moving time: the dispatcher and a worker on a virtual clock -----------------------


def virtual_clock(at: datetime) -> VirtualClock:
    return VirtualClock(now=at)


async def run_jobs(driver: Driver, clock: VirtualClock) -> int:
    """Run the jobs due at the virtual time and send what they queued, as the pump would."""
    app = driver.client.server.app
    app[CHECKINS].service.clock = clock
    done = await app[DELIVERY].dispatcher.run_due(clock.now, limit=1000)
    sessions = app[DATABASE].sessions
    worker = make_worker(
        sessions, clock, delivery=OutboxDelivery(sessions, app[DELIVERY].renderers, quiet_hours=NEVER_QUIET)
    )
    await drain_until_settled(worker, sessions, clock)
    return done


async def sent_rows(driver: Driver, purpose: str) -> list[OutboxMessageRow]:
    return [row for row in await outbox(driver, purpose) if row.status == "sent"]
