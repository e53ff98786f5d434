"""A whole forum on a virtual clock: 13 museums, 50 people, 7 meetings, 12 rounds, a restart mid-way.

Rounds open on time, each person gets exactly one prompt per round and nudges reach exactly
those whose museum did not answer (at most two a round); answers are stored once; the digest
before each meeting shows the museums that shared; the overview shows the quiet museums first;
restarting the bot in the middle of a round loses and repeats nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from tests.bot.checkins.helpers import answer, checkins, press, rounds, run_jobs, seed, sent_rows, virtual_clock
from tests.bot.meetings.helpers import future_day
from tests.support.activities import KAISA, TEAM_ID, User, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector

MUSEUMS = [f"Museo {i:02d}" for i in range(13)]
PEOPLE = [User(f"sim{i}", f"Osallistuja {i}", f"sim{i}@museo{i % 13}.fi") for i in range(49)]
EVERYONE = (KAISA, *PEOPLE)


def museum_of(user: User) -> int:
    return PEOPLE.index(user) % 13


def forum_programme() -> str:
    first = future_day(3)
    lines = []
    for index, name in enumerate(MUSEUMS):
        members = ", ".join(f'"{u.email}"' for u in PEOPLE if museum_of(u) == index)
        lines.append(f'[[museums]]\nname = "{name}"\nmembers = [{members}]\n')
    for number in range(1, 8):
        start = first + timedelta(days=56 * (number - 1))
        lines.append(
            f'[[meetings]]\nnumber = {number}\ntheme = "Tapaaminen {number}"\n'
            f"starts_at = {start.strftime('%Y-%m-%dT%H:%M:%S')}\n"
            f"ends_at = {start.replace(hour=16).strftime('%Y-%m-%dT%H:%M:%S')}\n"
        )
    return "\n".join(lines)


def answering(round_index: int) -> list[int]:
    """Which museums answer in a round: museum 12 never (the quiet one), the rest unevenly."""
    return [m for m in range(12) if (m + round_index) % 4 != 0]


async def play_round(driver: Driver, clock: Any, index: int, person_of: dict[str, int]) -> None:
    planned = (await rounds(driver))[index]
    clock.now = planned.opens_at + timedelta(minutes=1)
    await run_jobs(driver, clock)
    prompts = [r for r in await sent_rows(driver, "checkin_prompt") if f"round:{planned.id}:" in r.idempotency_key]
    assert Counter(r.recipient_person_id for r in prompts) == Counter({person_of[u.email]: 1 for u in EVERYONE})
    museums = answering(index)
    for museum in museums:
        author = next(u for u in PEOPLE if museum_of(u) == museum)
        shared = "true" if museum % 2 == 0 else "false"
        await press(driver, author, "checkin.save", answer(planned.id, shared=shared, learned=f"M{museum} R{index}"))
    clock.now = planned.opens_at + timedelta(days=3, minutes=2)
    if clock.now < planned.closes_at:
        await run_jobs(driver, clock)
        nudged = {
            r.recipient_person_id
            for r in await sent_rows(driver, "checkin_nudge")
            if f"round:{planned.id}:nudge:1:" in r.idempotency_key
        }
        expected = {person_of[u.email] for u in PEOPLE if museum_of(u) not in museums} | {person_of[KAISA.email]}
        assert nudged == expected
    if index % 2 == 1:  # the second round before a meeting: the digest goes three days before it
        clock.now = planned.closes_at - timedelta(days=3) + timedelta(minutes=1)
        await run_jobs(driver, clock)


async def test_a_whole_forum_runs_its_rounds_once_each_through_a_restart(
    settings_factory: Any, connector: FakeConnector
) -> None:
    settings = settings_factory()
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as first:
        driver = Driver(first, connector)
        await driver.install(EVERYONE)
        await seed_programme(driver)
        planned = await rounds(driver)
        assert len(planned) == 12  # two between each pair of the 7 meetings
        person_of = await people(driver)
        clock = virtual_clock(planned[0].opens_at)
        for index in range(6):
            await play_round(driver, clock, index, person_of)
        before = (len(await sent_rows(driver, "checkin_prompt")), len(await sent_rows(driver, "checkin_nudge")))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as second:
        driver = Driver(second, connector)
        await run_jobs(driver, clock)  # the same moment again after the restart: nothing new, nothing lost
        after = (len(await sent_rows(driver, "checkin_prompt")), len(await sent_rows(driver, "checkin_nudge")))
        assert after == before
        for index in range(6, 12):
            await play_round(driver, clock, index, person_of)
        stored = await checkins(driver)
        assert len(stored) == sum(len(answering(i)) for i in range(12))
        assert len({(c.round_id, c.participant_id) for c in stored}) == len(stored)
        nudges = Counter(r.recipient_person_id for r in await sent_rows(driver, "checkin_nudge"))
        assert max(nudges.values()) <= 2 * 12
        digests = await sent_rows(driver, "checkin_digest")
        assert len(digests) == 6  # one before each meeting after the first
        last_digest = [
            c for r in connector.sent_to(TEAM_ID) for c in r.cards if "Kooste ennen tapaamista 7" in all_text(c)
        ]
        assert len(last_digest) == 1
        text = all_text(last_digest[0])
        assert "Museo 00" in text and "Museo 01" not in text  # odd museums never share
        await driver.send(personal_message(driver.service_url, KAISA, "yhteenveto"))
        overview = all_text(connector.sent[-1].cards[0])
        assert overview.index("Museo 12") < overview.index("Museo 00")  # the silent museum comes first


async def seed_programme(driver: Driver) -> None:
    await seed(driver, forum_programme(), install=False)


async def people(driver: Driver) -> dict[str, int]:
    from bot.components import BOT

    roster = driver.client.server.app[BOT].roster
    forum = await roster.forum_for_team(TEAM_ID)
    assert forum is not None
    return {p.person.email or "": p.person.id for p in await roster.participants(forum.id)}
