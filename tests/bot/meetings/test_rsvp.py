"""RSVP on the channel card: one answer per person, counts updated in place, names for the few."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.meetings.helpers import (
    future_day,
    invoke_card,
    meeting_row,
    outbox_rows,
    press,
    programme_text,
    rsvp_rows,
    seed_programme,
    settle,
)
from tests.support.activities import (
    ANNA,
    ERIK,
    KAISA,
    LIISA,
    MATTI,
    TEAM_ID,
    User,
    card_submit,
    channel_conversation,
    personal_message,
)
from tests.support.cards import all_text
from tests.support.driver import Driver

CHANNEL = channel_conversation()


async def announced(driver: Driver) -> tuple[int, str]:
    """Install, import one future meeting, announce and post it; returns (meeting id, channel activity id)."""
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    await press(driver, KAISA, "meeting.post", {"meetingId": meeting.id})
    await settle(driver)
    [post] = await outbox_rows(driver, "meeting_announcement")
    assert post.status == "sent" and post.activity_id
    driver.connector.clear()
    return meeting.id, post.activity_id


def channel_updates(driver: Driver, activity_id: str) -> list[dict[str, Any]]:
    return [
        r.cards[0] for r in driver.connector.updated if r.conversation_id == TEAM_ID and r.activity_id == activity_id
    ]


async def answer(driver: Driver, user: User, meeting_id: int, value: str) -> dict[str, Any]:
    return invoke_card(
        await press(driver, user, "meeting.rsvp", {"meetingId": meeting_id, "answer": value}, conversation=CHANNEL)
    )


async def test_rsvp_shows_my_answer_and_updates_the_channel_card_in_place(driver: Driver) -> None:
    meeting_id, activity_id = await announced(driver)

    mine = await answer(driver, MATTI, meeting_id, "on_site")
    assert "Vastauksesi: Paikan päällä" in all_text(mine)
    assert "Kiitos" in all_text(mine)
    await settle(driver)
    [update] = channel_updates(driver, activity_id)
    assert "Paikan päällä 1 · Etänä 0 · Ei pääse 0" in all_text(update)
    assert "Vastauksesi" not in all_text(update)  # the shared card never shows one person's answer
    assert driver.connector.sent_to(TEAM_ID) == []  # updated, never posted again

    await answer(driver, ANNA, meeting_id, "online")
    await settle(driver)
    assert "Paikan päällä 1 · Etänä 1 · Ei pääse 0" in all_text(channel_updates(driver, activity_id)[-1])


async def test_double_click_is_one_rsvp_and_changing_ones_mind_updates_it(driver: Driver) -> None:
    meeting_id, activity_id = await announced(driver)
    await answer(driver, MATTI, meeting_id, "on_site")
    await answer(driver, MATTI, meeting_id, "on_site")
    await settle(driver)
    assert len(await rsvp_rows(driver)) == 1
    assert len(channel_updates(driver, activity_id)) == 1

    mine = await answer(driver, MATTI, meeting_id, "cannot")
    assert "Vastauksesi: En pääse" in all_text(mine)
    await settle(driver)
    rows = await rsvp_rows(driver)
    assert [r.answer for r in rows] == ["cannot"]
    assert "Paikan päällä 0 · Etänä 0 · Ei pääse 1" in all_text(channel_updates(driver, activity_id)[-1])


async def test_two_clicks_arriving_at_once_are_one_rsvp(driver: Driver) -> None:
    meeting_id, _ = await announced(driver)
    await asyncio.gather(*(answer(driver, MATTI, meeting_id, "online") for _ in range(3)))
    await settle(driver)
    assert [r.answer for r in await rsvp_rows(driver)] == ["online"]


async def test_submit_fallback_records_the_answer_without_replacing_the_shared_card(driver: Driver) -> None:
    meeting_id, activity_id = await announced(driver)
    value = {"verb": "meeting.rsvp", "meetingId": meeting_id, "answer": "online"}
    await driver.send(
        card_submit(driver.service_url, ERIK, value, conversation=channel_conversation(), reply_to_id=activity_id)
    )
    await settle(driver)
    assert [r.answer for r in await rsvp_rows(driver)] == ["online"]
    updates = channel_updates(driver, activity_id)
    assert len(updates) == 1 and "Etänä 1" in all_text(updates[0])
    assert all("Vastauksesi" not in all_text(card) for card in updates)


async def test_refresh_gives_each_person_their_own_view(driver: Driver) -> None:
    meeting_id, _ = await announced(driver)
    await answer(driver, MATTI, meeting_id, "online")
    matti = invoke_card(await press(driver, MATTI, "meeting.refresh", {"meetingId": meeting_id}, conversation=CHANNEL))
    erik = invoke_card(await press(driver, ERIK, "meeting.refresh", {"meetingId": meeting_id}, conversation=CHANNEL))
    assert "Vastauksesi: Etänä" in all_text(matti)
    assert "Vastauksesi: et ole vielä vastannut" in all_text(erik)


async def test_someone_outside_the_forum_cannot_answer(driver: Driver) -> None:
    meeting_id, _ = await announced(driver)
    stranger = User("vieras", "Vieras Vierailija", "vieras@example.org")
    body = await press(
        driver, stranger, "meeting.rsvp", {"meetingId": meeting_id, "answer": "on_site"}, conversation=CHANNEL
    )
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    assert "vain foorumin jäseniltä" in driver.connector.sent[-1].text
    assert await rsvp_rows(driver) == []


async def test_names_for_coordinators_and_host_museum_only(driver: Driver) -> None:
    meeting_id, _ = await announced(driver)
    await answer(driver, MATTI, meeting_id, "on_site")
    await answer(driver, ANNA, meeting_id, "cannot")

    await driver.send(personal_message(driver.service_url, ERIK, "ilmoittautuneet 1"))
    assert "koordinaattorit ja isäntämuseon väki" in driver.connector.sent[-1].text

    await driver.send(personal_message(driver.service_url, LIISA, "ilmoittautuneet 1"))
    names = all_text(driver.connector.sent[-1].cards[0])
    assert "Matti Museolainen" in names and "Anna Anttila" in names and "Erik Sandström" in names

    await driver.send(personal_message(driver.service_url, KAISA, "rsvp 1", locale="en-GB"))
    assert "Who is coming" in all_text(driver.connector.sent[-1].cards[0])

    await driver.send(personal_message(driver.service_url, KAISA, "rsvp 99"))
    assert "99" in driver.connector.sent[-1].text
