"""Announce → preview in the coordinator's 1:1 → Post → the card in the channel, once."""

from __future__ import annotations

from tests.bot.meetings.helpers import (
    future_day,
    invoke_card,
    meeting_row,
    outbox_rows,
    press,
    programme_text,
    seed_programme,
    settle,
    verbs_of,
)
from tests.support.activities import KAISA, MATTI, TEAM_ID, channel_message, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver

KAISA_CHAT = "a:personal-kaisa"


async def test_announce_preview_post_puts_one_card_in_the_channel(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    driver.connector.clear()

    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    preview = driver.connector.sent_to(KAISA_CHAT)[-1].cards[0]
    text = all_text(preview)
    assert "Esikatselu" in text and "Kokeilemalla kehittäminen käytännössä" in text
    assert verbs_of(preview) == ["meeting.post", "meeting.edit", "meeting.discard"]
    assert driver.connector.sent_to(TEAM_ID) == []

    meeting = await meeting_row(driver)
    body = await press(driver, KAISA, "meeting.post", {"meetingId": meeting.id})
    posted_preview = invoke_card(body)
    assert "matkalla kanavalle" in all_text(posted_preview)
    assert "meeting.post" not in verbs_of(posted_preview)
    await settle(driver)

    in_channel = driver.connector.sent_to(TEAM_ID)
    assert len(in_channel) == 1
    card = in_channel[0].cards[0]
    assert "Foorumitapaaminen 1" in all_text(card) and "Lisää kalenteriin" in all_text(card)
    assert verbs_of(card) == ["meeting.rsvp"] * 3
    assert card["refresh"]["action"]["verb"] == "meeting.refresh"
    assert "userIds" not in card["refresh"]  # 5 members: Teams refreshes for everyone
    assert (await meeting_row(driver)).announcement_key is not None

    # Pressing Post again (a double click, an old preview) posts nothing more.
    again = invoke_card(await press(driver, KAISA, "meeting.post", {"meetingId": meeting.id}))
    assert "jo kanavalla" in all_text(again)
    await settle(driver)
    assert len(driver.connector.sent_to(TEAM_ID)) == 1
    assert len(await outbox_rows(driver, "meeting_announcement")) == 1


async def test_announce_asked_in_the_channel_sends_the_preview_to_the_private_chat(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    driver.connector.clear()

    await driver.send(channel_message(driver.service_url, KAISA, "ilmoita 1"))
    replies = [r for r in driver.connector.sent if r.conversation_id and r.conversation_id.startswith(TEAM_ID)]
    assert any("yksityisviestinä" in r.text for r in replies)
    assert not any(r.cards for r in replies)
    await settle(driver)
    private = [r for r in driver.connector.sent if r.cards and not r.conversation_id.startswith(TEAM_ID)]
    assert len(private) == 1 and "Esikatselu" in all_text(private[0].cards[0])


async def test_announce_unknown_meeting_and_missing_number_get_clear_answers(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 99"))
    assert "Tapaamista 99 ei löydy" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, KAISA, "announce", locale="en-GB"))
    assert "for example **announce 3**" in driver.connector.sent[-1].text


async def test_participant_cannot_announce_or_press_post(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    driver.connector.clear()

    await driver.send(personal_message(driver.service_url, MATTI, "ilmoita 1"))
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text

    body = await press(driver, MATTI, "meeting.post", {"meetingId": meeting.id})
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    assert "vain foorumin koordinaattoreille" in driver.connector.sent[-1].text
    await settle(driver)
    assert driver.connector.sent_to(TEAM_ID) == []
    assert (await meeting_row(driver)).announcement_key is None
    assert await outbox_rows(driver, "meeting_announcement") == []

    body = await press(driver, MATTI, "meeting.edit", {"meetingId": meeting.id})
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    assert (await meeting_row(driver)).revision == 1


async def test_preview_cancel_posts_nothing(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    driver.connector.clear()
    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    closed = invoke_card(await press(driver, KAISA, "meeting.discard", {"meetingId": meeting.id}))
    assert "ilmoita 1" in all_text(closed)
    await settle(driver)
    assert driver.connector.sent_to(TEAM_ID) == []
