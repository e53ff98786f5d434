"""Privacy through /api/messages in fi, sv and en: the notice, my data, forget me, a coordinator's erasure."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.components import BOT, SIGNER
from forum.people.privacy import EXPORT_PURPOSE
from storage.models import ErasureRecordRow, OutboxMessageRow, ParticipantRow, RsvpRow
from tests.bot.meetings.helpers import invoke_card, press
from tests.bot.people.helpers import (
    forum_with_programme,
    give_data,
    outbox_row,
    path_of,
    person_of,
    sessions_of,
    state_key,
)
from tests.support.activities import ANNA, ERIK, KAISA, MATTI, channel_message, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver
from tests.support.personal_data import traces_of

LANGUAGES = [
    pytest.param("fi-FI", "tietosuoja", "omat tietoni", "unohda minut", "Omat tietosi", "Poistuu", id="fi"),
    pytest.param("sv-SE", "dataskydd", "mina uppgifter", "glöm mig", "Dina uppgifter", "Raderas", id="sv"),
    pytest.param("en-US", "privacy", "my data", "forget me", "Your data", "Erased", id="en"),
]


def open_url_of(card: dict[str, Any]) -> str:
    [url] = [a["url"] for a in card.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    return str(url)


async def erasure_records(driver: Driver) -> list[ErasureRecordRow]:
    async with sessions_of(driver)() as session:
        return list((await session.scalars(select(ErasureRecordRow).order_by(ErasureRecordRow.id))).all())


@pytest.mark.parametrize(("locale", "notice", "mine", "forget", "title", "goes"), LANGUAGES)
async def test_privacy_notice_in_three_languages_and_the_full_notice_page(
    driver: Driver, locale: str, notice: str, mine: str, forget: str, title: str, goes: str
) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, notice, locale=locale))
    card = driver.connector.sent[-1].cards[0]
    text = all_text(card)
    assert "6(1)(e)" in text or "6.1 e" in text or "6 artiklan 1 kohdan e" in text
    assert "90" in text and "12" in text and mine in text and forget in text
    page = await driver.client.get(path_of(open_url_of(card)))
    assert page.status == 200 and "621/1999" in await page.text()


@pytest.mark.parametrize(("locale", "notice", "mine", "forget", "title", "goes"), LANGUAGES)
async def test_my_data_card_and_download_hold_exactly_what_was_stored(
    driver: Driver, locale: str, notice: str, mine: str, forget: str, title: str, goes: str
) -> None:
    await forum_with_programme(driver)
    stored = await give_data(driver, MATTI)
    await give_data(driver, ANNA, answer="cannot")  # someone else's data must not show up

    await driver.send(personal_message(driver.service_url, MATTI, mine, locale=locale))
    card = driver.connector.sent[-1].cards[0]
    text = all_text(card)
    assert title in text and MATTI.name in text and MATTI.email in text
    assert ANNA.name not in text
    assert "Kokeilemalla kehittäminen käytännössä" in text

    response = await driver.client.get(path_of(open_url_of(card)))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    export = (await response.json())["sections"]
    person = export["people"]["person"]
    assert (person["name"], person["email"], person["teams_user_id"], person["aad_object_id"]) == (
        MATTI.name,
        MATTI.email,
        MATTI.id,
        MATTI.aad_object_id,
    )
    assert [(m["forum"], m["role"], m["active"]) for m in export["people"]["memberships"]] == [
        ("Museoiden vertaiskehittämisfoorumi", "participant", True)
    ]
    assert export["people"]["conversation_state"] == [{"key": state_key(MATTI), "document": stored["document"]}]
    assert [(r["meeting_number"], r["answer"]) for r in export["meetings"]["rsvps"]] == [(1, "on_site")]
    assert [(m["purpose"], m["status"], m["activity"]) for m in export["delivery"]["messages"]] == [
        ("test_waiting", "pending", {**stored["activity"], "type": "message"})
    ]
    assert ANNA.name not in str(export) and ANNA.email not in str(export)


async def test_my_data_link_refuses_tampering_expiry_and_a_forgotten_person(driver: Driver) -> None:
    from datetime import UTC, datetime, timedelta

    await forum_with_programme(driver)
    await driver.send(personal_message(driver.service_url, MATTI, "omat tietoni"))
    url_path = path_of(open_url_of(driver.connector.sent[-1].cards[0]))
    subject, expires, signature = url_path.rsplit("/", 1)[1].split(".")
    anna = await person_of(driver, ANNA)
    assert anna is not None
    for forged in (
        f"{anna.id}.{expires}.{signature}",  # someone else's id under Matti's signature
        f"{subject}.{int(expires) + 3600}.{signature}",  # a longer life
        f"{subject}.{expires}.{'A' * 43}",
    ):
        assert (await driver.client.get(f"/privacy/export/{forged}")).status == 404
    signer = driver.client.server.app[SIGNER]
    old = signer.sign(
        EXPORT_PURPOSE,
        subject,
        now=datetime.now(UTC) - timedelta(hours=1),
        lifetime=timedelta(minutes=15),
        binding=MATTI.id,
    )
    assert (await driver.client.get(f"/privacy/export/{old}")).status == 404
    assert (await driver.client.get(url_path)).status == 200

    await driver.send(personal_message(driver.service_url, MATTI, "unohda minut"))
    await press(driver, MATTI, "privacy.forget_confirm", {"personId": int(subject)})
    assert (await driver.client.get(url_path)).status == 404


async def test_my_data_and_forget_me_are_not_shown_in_the_channel(driver: Driver) -> None:
    await driver.install()
    for command in ("omat tietoni", "unohda minut"):
        await driver.send(channel_message(driver.service_url, MATTI, command))
        reply = driver.connector.sent[-1]
        assert "kahdenkeskisessä" in reply.text and not reply.cards


@pytest.mark.parametrize(("locale", "notice", "mine", "forget", "title", "goes"), LANGUAGES)
async def test_forget_me_asks_then_leaves_no_trace_in_any_table(
    driver: Driver, locale: str, notice: str, mine: str, forget: str, title: str, goes: str
) -> None:
    forum_id = await forum_with_programme(driver)
    stored = await give_data(driver, MATTI)
    await give_data(driver, ANNA, answer="online")
    person_id = stored["person_id"]
    waiting = await outbox_row_of(driver, f"test:waiting:{MATTI.key}")

    await driver.send(personal_message(driver.service_url, MATTI, forget, locale=locale))
    confirm = driver.connector.sent[-1].cards[0]
    text = all_text(confirm)
    providers = driver.client.server.app[BOT].personal_data.providers
    assert goes in text and text.count(goes) == len(providers)  # every wing's provider says what goes
    assert not await traces_of(sessions_of(driver), MATTI) == []  # nothing happened yet

    done = invoke_card(await press(driver, MATTI, "privacy.forget_confirm", {"personId": person_id}))
    assert done["body"][0]["text"] in {
        "Tietosi on poistettu.",
        "Dina uppgifter har raderats.",
        "Your data has been erased.",
    }

    assert await traces_of(sessions_of(driver), MATTI) == []
    async with sessions_of(driver)() as session:
        assert (await session.scalars(select(ParticipantRow).where(ParticipantRow.person_id == person_id))).all() == []
        rsvps = (await session.scalars(select(RsvpRow))).all()
        assert len(rsvps) == 1  # Anna's stays
        left_to_matti = (
            await session.scalars(select(OutboxMessageRow).where(OutboxMessageRow.recipient_person_id == person_id))
        ).all()
        assert left_to_matti == []
    cancelled = await outbox_row(driver, waiting.id)
    assert cancelled.status == "cancelled" and cancelled.payload == {"type": "message", "erased": True}
    assert cancelled.forum_id == forum_id and cancelled.conversation_reference is None
    # Anna is untouched.
    anna_traces = await traces_of(sessions_of(driver), ANNA)
    assert {t.table for t in anna_traces} >= {"person", "bot_state", "outbox_message"}
    [record] = await erasure_records(driver)
    assert record.reason == "self" and record.by_person_id is None
    assert record.summary["meetings"] == {"rsvp": 1}
    assert record.summary["people"]["person"] == 1 and record.summary["people"]["conversation_state"] == 1


async def outbox_row_of(driver: Driver, key: str) -> OutboxMessageRow:
    from tests.bot.people.helpers import outbox_to

    row = await outbox_to(driver, key)
    assert row is not None
    return row


async def test_forget_me_cancelled_changes_nothing_and_nobody_else_can_press_it(driver: Driver) -> None:
    await forum_with_programme(driver)
    stored = await give_data(driver, MATTI)
    await driver.send(personal_message(driver.service_url, MATTI, "forget me", locale="en-US"))
    kept = invoke_card(await press(driver, MATTI, "privacy.forget_cancel", {"personId": stored["person_id"]}))
    assert "mitään ei poistettu" in all_text(kept)  # the press comes from a Finnish client
    # Erik (no coordinator) pressing a confirmation that names Matti: refused, nothing erased.
    await press(driver, ERIK, "privacy.forget_confirm", {"personId": stored["person_id"]})
    assert "koordinaattoreille" in driver.connector.sent[-1].text
    assert await person_of(driver, MATTI) is not None and await erasure_records(driver) == []


@pytest.mark.parametrize(
    ("locale", "command", "question"),
    [
        ("fi-FI", "unohda henkilö Matti", "Poistetaanko henkilön Matti Museolainen tiedot?"),
        ("sv-SE", "glöm person Matti", "Ska uppgifterna om Matti Museolainen raderas?"),
        ("en-US", "forget person Matti", "Erase the data of Matti Museolainen?"),
    ],
)
async def test_a_coordinator_erases_a_member_who_asked_by_other_means(
    driver: Driver, locale: str, command: str, question: str
) -> None:
    await forum_with_programme(driver)
    stored = await give_data(driver, MATTI)
    await driver.send(personal_message(driver.service_url, ERIK, command, locale=locale))
    assert "Foorumibotti" not in driver.connector.sent[-1].text and not driver.connector.sent[-1].cards

    await driver.send(personal_message(driver.service_url, KAISA, command, locale=locale))
    confirm = driver.connector.sent[-1].cards[0]
    assert question in all_text(confirm)
    await press(driver, KAISA, "privacy.forget_confirm", {"personId": stored["person_id"]})

    assert await traces_of(sessions_of(driver), MATTI) == []
    kaisa = await person_of(driver, KAISA)
    assert kaisa is not None
    [record] = await erasure_records(driver)
    assert (record.reason, record.by_person_id) == ("coordinator", kaisa.id)
