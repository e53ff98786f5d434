"""The overview (quiet and stuck first), critical-friend pairs and replies, projects, history, museum claims."""

from __future__ import annotations

from sqlalchemy import select

from bot.components import DATABASE
from storage.models import MuseumRow
from tests.bot.checkins.helpers import answer, checkins, press, rounds, seed, settle
from tests.support.activities import ANNA, ERIK, KAISA, LIISA, MATTI, User, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def say(driver: Driver, user: User, text: str) -> list[dict[str, object]]:
    before = len(driver.connector.sent)
    await driver.send(personal_message(driver.service_url, user, text))
    await settle(driver)
    return [c for r in driver.connector.sent[before:] for c in r.cards] or [
        {"text": r.text} for r in driver.connector.sent[before:]
    ]


def texts(replies: list[dict[str, object]]) -> str:
    return "\n".join(all_text(r) if "body" in r else str(r.get("text")) for r in replies)


async def opened(driver: Driver) -> int:
    await seed(driver)
    await say(driver, KAISA, "kuulumiset avaa")
    return next(r.id for r in await rounds(driver) if r.opened_at is not None)


async def test_overview_puts_the_quiet_and_the_stuck_first(driver: Driver) -> None:
    round_id = await opened(driver)
    await press(driver, LIISA, "checkin.save", answer(round_id, status="stuck"))
    await press(driver, ANNA, "checkin.save", answer(round_id, status="done", new_experiment="Näyttely"))
    [card] = await say(driver, KAISA, "yhteenveto")
    text = all_text(card)
    assert text.index("Amos Rex") < text.index("Tampereen museot") < text.index("Ateneum")
    assert "JUMISSA" in text and "2/3 museota (67 %)" in text
    chart = next(e for e in card["body"] if e.get("type") == "Chart.HorizontalBar")  # type: ignore[union-attr,attr-defined]
    assert chart["data"][0]["y"] == 67 and chart["fallback"]["type"] == "TextBlock"
    refused = await say(driver, MATTI, "overview")
    assert "koordinaattoreille" in texts(refused)


async def test_pairs_send_shared_checkins_to_the_friend_museum_and_replies_back(driver: Driver) -> None:
    round_id = await opened(driver)
    assert "toistensa kriittiset ystävät" in texts(await say(driver, KAISA, "pari Tampereen museot ja Ateneum"))
    assert "koordinaattoreille" in texts(await say(driver, LIISA, "pari Ateneum ja Amos Rex"))
    before = len(driver.connector.sent)
    await press(driver, LIISA, "checkin.save", answer(round_id, shared="true"))
    friend_cards = [
        c for r in driver.connector.sent[before:] for c in r.cards if "Kriittiselle ystävälle" in all_text(c)
    ]
    assert len(friend_cards) == 1  # Anna, Ateneum's only member
    [row] = await checkins(driver)
    replied = await press(driver, ANNA, "checkin.reply", {"checkinId": row.id, "reply": "Hieno kokeilu!"})
    assert replied is not None and "Vastaus lähetetty" in all_text(replied)
    back = [c for r in driver.connector.sent for c in r.cards if "vastasi" in all_text(c)]
    assert len(back) == 1 and "Hieno kokeilu!" in all_text(back[0])
    # Erik's museum is not the friend: he may not reply
    await press(driver, ERIK, "checkin.reply", {"checkinId": row.id, "reply": "Minäkin"})
    assert len([c for r in driver.connector.sent for c in r.cards if "vastasi" in all_text(c)]) == 1
    rotated = texts(await say(driver, KAISA, "parit kierrätä"))
    assert "→" in rotated


async def test_history_shows_shared_checkins_to_others_and_everything_to_the_museum(driver: Driver) -> None:
    round_id = await opened(driver)
    await press(driver, LIISA, "checkin.save", answer(round_id, shared="false", learned="Vain meille."))
    others = texts(await say(driver, ERIK, "kuulumiset Tampereen museot"))
    assert "Vain meille." not in others and "Ei vielä kuulumisia" in others
    own = texts(await say(driver, LIISA, "kuulumiset tampere"))
    assert "Vain meille." in own


async def test_projects_card_edits_the_museums_project_and_experiments(driver: Driver) -> None:
    await opened(driver)
    [card] = await say(driver, LIISA, "projekti")
    assert "Tampereen museot: kehittämisprojekti" in all_text(card)
    museum_id = next(a["data"]["museumId"] for a in card["actions"])  # type: ignore[index,union-attr]
    saved = await press(
        driver,
        LIISA,
        "checkin.project_save",
        {"museumId": museum_id, "goal": "Perheet", "audience": "Lapsiperheet", "impact": "", "new_experiment": "K1"},
    )
    assert saved is not None and "K1" in all_text(saved) and "Projekti tallennettu" in all_text(saved)
    refused = await press(driver, ERIK, "checkin.project_save", {"museumId": museum_id, "goal": "X"})
    assert refused is None
    [other] = await say(driver, ERIK, "project Tampereen museot")
    assert "Perheet" in all_text(other) and not other.get("actions")


async def test_a_picked_museum_waits_for_a_coordinator(driver: Driver) -> None:
    round_id = await opened(driver)
    async with driver.client.server.app[DATABASE].sessions() as session:
        amos = await session.scalar(select(MuseumRow).where(MuseumRow.name == "Amos Rex"))
        assert amos is not None
    card = await press(driver, MATTI, "checkin.save", answer(round_id, museum=str(amos.id)))
    assert card is not None and "odottaa koordinaattorin" in all_text(card)
    claims = [c for r in driver.connector.sent for c in r.cards if "Museovalinta odottaa" in all_text(c)]
    assert len(claims) == 1
    data = claims[0]["actions"][0]["data"]
    assert await press(driver, MATTI, "checkin.member_confirm", data) is None  # a participant: refused
    done = await press(driver, KAISA, "checkin.member_confirm", data)
    assert done is not None and "Vahvistettu" in all_text(done)
    assert len(await checkins(driver)) == 1
