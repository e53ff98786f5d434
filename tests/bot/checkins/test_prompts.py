"""Rounds from the programme, a coordinator opening one, prompts through the outbox and answers by card."""

from __future__ import annotations

import asyncio

from tests.bot.checkins.helpers import answer, checkins, outbox, press, rounds, seed, settle
from tests.support.activities import ANNA, EVERYONE, KAISA, LIISA, MATTI, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def open_round(driver: Driver) -> int:
    await seed(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    [opened] = [r for r in await rounds(driver) if r.opened_at is not None]
    return opened.id


async def test_the_programme_plans_two_rounds_between_meetings(driver: Driver) -> None:
    await seed(driver)
    planned = await rounds(driver)
    assert len(planned) == 2
    first, second = planned
    assert first.closes_at == second.opens_at  # rounds never overlap
    assert all(r.opened_at is None for r in planned)


async def test_coordinator_opens_a_round_and_everyone_gets_one_prompt(driver: Driver) -> None:
    round_id = await open_round(driver)
    assert "Kierros avattu" in driver.connector.sent[0].text or any(
        "Kierros avattu" in r.text for r in driver.connector.sent
    )
    prompts = await outbox(driver, "checkin_prompt")
    assert sorted(p.recipient_person_id for p in prompts) == sorted({p.recipient_person_id for p in prompts})
    assert len(prompts) == len(EVERYONE)
    assert all(p.status == "sent" for p in prompts)
    cards = [c for r in driver.connector.sent for c in r.cards if "Kokeilujen kuulumiset" in all_text(c)]
    assert len(cards) == len(EVERYONE)
    # opening again while it is open sends nothing more
    await driver.send(personal_message(driver.service_url, KAISA, "checkin open"))
    await settle(driver)
    assert len(await outbox(driver, "checkin_prompt")) == len(EVERYONE)
    assert [r.id for r in await rounds(driver) if r.opened_at is not None] == [round_id]


async def test_a_participant_cannot_open_a_round(driver: Driver) -> None:
    await seed(driver)
    await driver.send(personal_message(driver.service_url, MATTI, "kuulumiset avaa"))
    assert all(r.opened_at is None for r in await rounds(driver))
    assert any("koordinaattoreille" in r.text for r in driver.connector.sent)


async def test_answer_by_card_is_saved_edited_and_kept_once(driver: Driver) -> None:
    round_id = await open_round(driver)
    card = await press(driver, LIISA, "checkin.save", answer(round_id))
    assert card is not None and "Tallennettu" in all_text(card)
    assert "Perhesunnuntait" in all_text(card)
    again = await press(driver, LIISA, "checkin.save", answer(round_id, learned="Toinen oppi."))
    assert again is not None
    [row] = await checkins(driver)
    assert row.learned == "Toinen oppi." and row.round_id == round_id
    # a double click arriving at once is still one record
    await asyncio.gather(*(press(driver, ANNA, "checkin.nothing", {"roundId": round_id}) for _ in range(3)))
    assert len(await checkins(driver)) == 2


async def test_bad_card_input_comes_back_with_errors_and_saves_nothing(driver: Driver) -> None:
    round_id = await open_round(driver)
    card = await press(driver, LIISA, "checkin.save", answer(round_id, tried="x" * 2001, status="bogus"))
    assert card is not None
    text = all_text(card)
    assert "Liian pitkä" in text and "Tuntematon valinta" in text and "Ei tallennettu" in text
    missing = await press(driver, LIISA, "checkin.save", {"roundId": round_id})
    assert missing is not None and "Tämä tarvitaan" in all_text(missing)
    assert await checkins(driver) == []


async def test_a_person_without_a_museum_is_asked_to_pick_one(driver: Driver) -> None:
    round_id = await open_round(driver)
    card = await press(driver, MATTI, "checkin.save", answer(round_id))
    assert card is not None and "Valitse museosi" in all_text(card)
    assert await checkins(driver) == []


async def test_a_stale_experiment_gets_a_clear_message(driver: Driver) -> None:
    round_id = await open_round(driver)
    await press(driver, LIISA, "checkin.save", answer(round_id, experiment="999999"))
    assert any("poistettu" in r.text for r in driver.connector.sent)
    assert await checkins(driver) == []
