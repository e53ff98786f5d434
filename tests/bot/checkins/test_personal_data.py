"""My data holds one's check-ins; forget me removes the unshared ones and keeps a shared one without its author."""

from __future__ import annotations

from tests.bot.checkins.helpers import answer, checkins, press, rounds, seed, settle
from tests.bot.meetings.helpers import invoke_card
from tests.bot.meetings.helpers import press as press_card
from tests.support.activities import KAISA, LIISA, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def forget(driver: Driver, shared: str) -> None:
    await seed(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    opened = next(r for r in await rounds(driver) if r.opened_at is not None)
    await press(driver, LIISA, "checkin.save", answer(opened.id, shared=shared, learned="Jaettu."))
    await driver.send(personal_message(driver.service_url, LIISA, "omat tietoni"))
    card = driver.connector.sent[-1].cards[0]
    assert f"Kuulumisia: 1 (joista jaettu {1 if shared == 'true' else 0})" in all_text(card)

    await driver.send(personal_message(driver.service_url, LIISA, "unohda minut"))
    confirm = driver.connector.sent[-1].cards[0]
    assert "jäävät muotoon" in all_text(confirm)
    verb = next(a["verb"] for a in confirm["actions"] if a.get("style") == "destructive" or "confirm" in a["verb"])
    data = next(a["data"] for a in confirm["actions"] if a["verb"] == verb)
    invoke_card(await press_card(driver, LIISA, verb, {k: v for k, v in data.items() if k != "verb"}))


async def test_forget_me_keeps_a_shared_checkin_without_its_author(driver: Driver) -> None:
    await forget(driver, "true")
    [row] = await checkins(driver)
    assert row.participant_id is None and row.learned == "Jaettu." and row.shared


async def test_forget_me_removes_an_unshared_checkin(driver: Driver) -> None:
    await forget(driver, "false")
    assert await checkins(driver) == []
