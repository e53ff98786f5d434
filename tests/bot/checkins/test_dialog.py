"""The typed check-in: a waterfall in fi/sv/en, answers by number or word, cancel, and a restart mid-dialog."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from app import create_app
from bot.components import DATABASE
from storage.models import PersonRow
from tests.bot.checkins.helpers import checkins, rounds, run_jobs, seed, settle, virtual_clock
from tests.support.activities import BOT, ERIK, KAISA, LIISA, User, members_removed, personal_message
from tests.support.driver import Driver
from tests.support.fake_connector import FakeConnector
from tests.support.turns import FailedTurns, failed_turns

__all__ = ["failed_turns"]


async def say(driver: Driver, user: User, text: str, locale: str = "fi-FI") -> list[str]:
    before = len(driver.connector.sent)
    await driver.send(personal_message(driver.service_url, user, text, locale=locale))
    await settle(driver)
    return [record.text for record in driver.connector.sent[before:]]


async def opened(driver: Driver) -> None:
    await seed(driver)
    await say(driver, KAISA, "kuulumiset avaa")


async def test_typed_checkin_in_finnish_saves_the_same_record_as_the_card(driver: Driver) -> None:
    await opened(driver)
    replies = await say(driver, LIISA, "kuulumiset teksti")
    assert any("kirjoittamalla" in r for r in replies)
    assert any("Mistä kokeilusta" in r and " tai " in r and ", or" not in r for r in replies)
    assert any("nimi" in r for r in await say(driver, LIISA, "1"))
    assert any("Mikä on tilanne" in r for r in await say(driver, LIISA, "Perhesunnuntait"))
    await say(driver, LIISA, "käynnissä")
    await say(driver, LIISA, "Kokeilimme opastuksia.")
    await say(driver, LIISA, "Lyhyt toimii.")
    share = await say(driver, LIISA, "-")
    assert any("Jaetaanko" in r for r in share)
    done = await say(driver, LIISA, "kyllä")
    assert any("Tallennettu" in r for r in done)
    [row] = await checkins(driver)
    assert (row.status, row.tried, row.help_wanted, row.shared) == ("in_progress", "Kokeilimme opastuksia.", "", True)


async def test_typed_checkin_in_swedish_understands_numbers_and_words(driver: Driver) -> None:
    await opened(driver)
    await say(driver, ERIK, "språk sv")
    replies = await say(driver, ERIK, "läget text")
    assert any(" eller " in r for r in replies)
    await say(driver, ERIK, "nytt")
    await say(driver, ERIK, "Utställningsprov")
    await say(driver, ERIK, "står still")
    await say(driver, ERIK, "Vi prövade.")
    await say(driver, ERIK, "Vi lärde oss.")
    await say(driver, ERIK, "Mer tid")
    assert any("Sparat" in r for r in await say(driver, ERIK, "2"))
    [row] = await checkins(driver)
    assert (row.status, row.help_wanted, row.shared) == ("stuck", "Mer tid", False)


async def test_typed_checkin_in_english_and_the_flag_that_spares_other_turns_a_read(driver: Driver) -> None:
    """English maps to the SDK's own culture "en-us" (a KeyError once: fuzz case 657); the
    person's ``typed_dialog`` flag is up exactly while an answer is awaited."""
    await opened(driver)
    assert not await typed_dialog(driver, ERIK)
    replies = await say(driver, ERIK, "checkin text", locale="en-US")
    assert any("(1) new or (2) nothing" in r for r in replies), replies
    assert await typed_dialog(driver, ERIK)
    await say(driver, ERIK, "new experiment", locale="en-US")
    await say(driver, ERIK, "Evening tours", locale="en-US")
    await say(driver, ERIK, "in progress", locale="en-US")
    await say(driver, ERIK, "We tried.", locale="en-US")
    await say(driver, ERIK, "We learned.", locale="en-US")
    await say(driver, ERIK, "skip", locale="en-US")
    assert any("Saved" in r for r in await say(driver, ERIK, "yes", locale="en-US"))
    [row] = await checkins(driver)
    assert (row.status, row.learned, row.shared) == ("in_progress", "We learned.", True)
    assert not await typed_dialog(driver, ERIK)


async def typed_dialog(driver: Driver, user: User) -> bool:
    async with driver.client.server.app[DATABASE].sessions() as session:
        flag = await session.scalar(select(PersonRow.typed_dialog).where(PersonRow.teams_user_id == user.id))
    return bool(flag)


async def test_cancel_and_help_interrupt_the_dialog(driver: Driver) -> None:
    await opened(driver)
    await say(driver, LIISA, "kuulumiset teksti")
    help_replies = await say(driver, LIISA, "apua")
    assert any("Olet kertomassa" in r for r in help_replies)
    assert any("Keskeytetty".lower() in r.lower() for r in await say(driver, LIISA, "peru"))
    assert await checkins(driver) == []
    # after cancelling, typed text is a command again: help answers with its card
    before = len(driver.connector.sent)
    await say(driver, LIISA, "apua")
    assert any(record.cards for record in driver.connector.sent[before:])


async def test_a_restart_in_the_middle_of_the_dialog_loses_nothing(
    settings_factory: Any, connector: FakeConnector
) -> None:
    settings = settings_factory()
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as first:
        driver = Driver(first, connector)
        await opened(driver)
        await say(driver, LIISA, "kuulumiset teksti")
        await say(driver, LIISA, "uusi kokeilu")
        await say(driver, LIISA, "Iltapäivät")
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as second:
        driver = Driver(second, connector)
        await say(driver, LIISA, "valmis")
        await say(driver, LIISA, "Teimme.")
        await say(driver, LIISA, "Opimme.")
        await say(driver, LIISA, "-")
        assert any("Tallennettu" in r for r in await say(driver, LIISA, "ei"))
        [row] = await checkins(driver)
        assert (row.status, row.tried, row.shared) == ("done", "Teimme.", False)


async def test_a_typed_answer_finished_after_the_last_round_is_kept_late_and_said_so(driver: Driver) -> None:
    await opened(driver)
    await say(driver, LIISA, "kuulumiset teksti")
    for answer in ("1", "Perhesunnuntait", "käynnissä", "Kokeilimme.", "Opimme.", "-"):
        await say(driver, LIISA, answer)
    # The planned rounds open and close meanwhile; Liisa finishes only after the last one closed.
    planned = [r for r in await rounds(driver) if not r.manual]
    clock = virtual_clock(planned[0].opens_at)
    for moment in (planned[0].opens_at, planned[-1].opens_at, planned[-1].closes_at + timedelta(hours=1)):
        clock.now = moment
        await run_jobs(driver, clock)
    last = max(planned, key=lambda r: r.closes_at)
    done = await say(driver, LIISA, "kyllä")
    assert any("viimeiselle kierrokselle" in r for r in done), done
    [row] = await checkins(driver)
    assert row.round_id == last.id and row.late and row.learned == "Opimme."


async def test_a_dialog_finished_after_the_bot_left_the_team_says_so_and_saves_nothing(
    driver: Driver, failed_turns: FailedTurns
) -> None:
    """Found by the fuzz corpus: the forum went inactive while a typed check-in ran."""
    await opened(driver)
    await say(driver, LIISA, "kuulumiset teksti")
    for answer in ("1", "Perhesunnuntait", "käynnissä", "Kokeilimme.", "Opimme.", "-"):
        await say(driver, LIISA, answer)
    await driver.send(members_removed(driver.service_url, KAISA, [BOT["id"]]))
    done = await say(driver, LIISA, "kyllä")
    assert any("jäsen" in r for r in done), done
    assert await checkins(driver) == []
    assert len(failed_turns) == 0
