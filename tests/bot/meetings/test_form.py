"""The add/edit form: bad input comes back on the same form with the errors beside the fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.bot.meetings.helpers import (
    error_under,
    future_day,
    inputs_of,
    invoke_card,
    meeting_count,
    press,
    programme_text,
    seed_programme,
    submitted,
)
from tests.support.activities import KAISA, MATTI, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def add_form(driver: Driver) -> dict[str, Any]:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    await driver.send(personal_message(driver.service_url, KAISA, "tapaaminen lisää"))
    card = driver.connector.sent[-1].cards[0]
    assert "Uusi tapaaminen" in all_text(card)
    return card


def good_values() -> dict[str, Any]:
    start = future_day(60)
    return {
        "theme": "Näkökulmia käyttäjälähtöiseen kehittämiseen",
        "description": "Kenelle työtä tehdään?",
        "date": start.date().isoformat(),
        "start": "10:00",
        "end": "15:30",
        "host": "Ateneum",
        "address": "Kaivokatu 2, Helsinki",
        "join_url": "https://teams.microsoft.com/l/meetup-join/x",
        "rsvp_date": (start - timedelta(days=7)).date().isoformat(),
    }


BAD_INPUT = [
    pytest.param({"theme": ""}, "theme", "Kirjoita tapaamisen teema", id="missing-theme"),
    pytest.param({"start": "14:00", "end": "12:00"}, "end", "alkamisajan jälkeen", id="end-before-start"),
    pytest.param({"host": "Olematon museo"}, "host", "ei ole foorumin museoiden", id="unknown-host-museum"),
    pytest.param({"join_url": "javascript:alert(1)"}, "join_url", "https://", id="bad-url"),
    pytest.param({"join_url": "teams kokous"}, "join_url", "https://", id="url-with-spaces"),
    pytest.param({"date": "2020-01-15"}, "date", "on jo mennyt", id="date-in-the-past"),
    pytest.param({"date": "15.1.2030"}, "date", "muotoa 2025-02-12", id="unreadable-date"),
    pytest.param({"date": ""}, "date", "Valitse päivä", id="missing-date"),
    pytest.param({"start": "25:99"}, "start", "muotoa 10:00", id="unreadable-time"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
async def test_bad_input_comes_back_on_the_same_form_and_nothing_is_saved(
    driver: Driver, change: dict[str, Any], field: str, message: str
) -> None:
    form = await add_form(driver)
    before = await meeting_count(driver)
    values = {**good_values(), **change}
    answer = invoke_card(await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", **values)))

    assert "Korjaa merkityt kohdat" in all_text(answer)
    error = error_under(answer, field)
    assert error is not None and message in error
    kept = inputs_of(answer)
    assert kept["theme"].get("value", "") == values["theme"]
    assert kept["address"]["value"] == values["address"]
    assert await meeting_count(driver) == before


async def test_deadline_after_start_is_refused(driver: Driver) -> None:
    form = await add_form(driver)
    values = good_values()
    values["rsvp_date"] = (future_day(60) + timedelta(days=2)).date().isoformat()
    answer = invoke_card(await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", **values)))
    assert "ennen tapaamisen alkua" in (error_under(answer, "rsvp_date") or "")
    assert await meeting_count(driver) == 1


async def test_several_errors_at_once_each_beside_its_field(driver: Driver) -> None:
    form = await add_form(driver)
    values = {**good_values(), "theme": " ", "start": "16:00", "end": "09:00", "join_url": "ftp://x"}
    answer = invoke_card(await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", **values)))
    assert error_under(answer, "theme") and error_under(answer, "end") and error_under(answer, "join_url")
    assert await meeting_count(driver) == 1


async def test_valid_form_saves_and_shows_the_preview(driver: Driver) -> None:
    form = await add_form(driver)
    assert inputs_of(form)["number"]["value"] == 2
    answer = invoke_card(await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", **good_values())))
    text = all_text(answer)
    assert "Tallennettu" in text and "Foorumitapaaminen 2" in text and "Ateneum" in text
    assert await meeting_count(driver) == 2

    await driver.send(personal_message(driver.service_url, MATTI, "tapaamiset"))
    listing = all_text(driver.connector.sent[-1].cards[0])
    assert "Näkökulmia käyttäjälähtöiseen kehittämiseen" in listing and "Kokeilemalla" in listing


async def test_taken_number_is_an_error_on_the_number(driver: Driver) -> None:
    form = await add_form(driver)
    answer = invoke_card(
        await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", **good_values(), number="1"))
    )
    assert "on jo tapaaminen" in (error_under(answer, "number") or "")
    assert await meeting_count(driver) == 1


async def test_participant_cannot_save_a_form(driver: Driver) -> None:
    form = await add_form(driver)
    body = await press(driver, MATTI, "meeting.save", submitted(form, "meeting.save", **good_values()))
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text
    assert await meeting_count(driver) == 1
    await driver.send(personal_message(driver.service_url, MATTI, "tapaaminen lisää"))
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text


async def test_form_cancel_saves_nothing(driver: Driver) -> None:
    form = await add_form(driver)
    closed = invoke_card(await press(driver, KAISA, "meeting.form_close", submitted(form, "meeting.form_close")))
    assert "mitään ei muutettu" in all_text(closed)
    assert await meeting_count(driver) == 1
