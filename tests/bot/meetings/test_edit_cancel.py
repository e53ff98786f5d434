"""Edits and cancellation update the posted card in place; jobs move or stop with the meeting."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.components import DATABASE
from storage.models import ScheduledJobRow
from tests.bot.meetings.helpers import (
    future_day,
    inputs_of,
    invoke_card,
    meeting_row,
    outbox_rows,
    press,
    programme_text,
    rsvp_rows,
    seed_programme,
    settle,
    submitted,
    verbs_of,
)
from tests.bot.meetings.test_rsvp import CHANNEL, announced, channel_updates
from tests.support.activities import KAISA, MATTI, TEAM_ID, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver


async def jobs(driver: Driver) -> dict[str, ScheduledJobRow]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        # The meetings' jobs only: every forum also has its daily privacy-retention run.
        query = select(ScheduledJobRow).where(ScheduledJobRow.key.startswith("meeting:"))
        return {row.key: row for row in (await session.scalars(query)).all()}


async def edit_form(driver: Driver, number: int = 1) -> dict[str, Any]:
    await driver.send(personal_message(driver.service_url, KAISA, f"tapaaminen muokkaa {number}"))
    card: dict[str, Any] = driver.connector.sent[-1].cards[0]
    assert f"Muokkaa tapaamista {number}" in all_text(card)
    return card


async def test_moving_a_posted_meeting_updates_its_card_and_moves_its_jobs(driver: Driver) -> None:
    meeting_id, activity_id = await announced(driver)
    before = await jobs(driver)
    reminder = f"meeting:{meeting_id}:reminder:168h"
    assert before[reminder].status == "pending"
    old_due = before[reminder].due_at

    form = await edit_form(driver)
    new_day = date.fromisoformat(form_value(form, "date")) + timedelta(days=7)
    saved = invoke_card(
        await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", date=new_day.isoformat()))
    )
    assert "Kanavan ilmoitus päivittyy" in all_text(saved)
    await settle(driver)

    [update] = channel_updates(driver, activity_id)
    assert "Päivitetty" in all_text(update)
    assert driver.connector.sent_to(TEAM_ID) == []  # never a second card
    row = await meeting_row(driver)
    assert row.revision == 2
    after = await jobs(driver)
    assert after[reminder].status == "pending" and after[reminder].due_at - old_due == timedelta(days=7)

    # An RSVP after the edit keeps the "updated" band on the card.
    await press(driver, MATTI, "meeting.rsvp", {"meetingId": meeting_id, "answer": "online"}, conversation=CHANNEL)
    await settle(driver)
    latest = channel_updates(driver, activity_id)[-1]
    assert "Päivitetty" in all_text(latest) and "Etänä 1" in all_text(latest)


async def test_an_edit_that_changes_nothing_sends_nothing(driver: Driver) -> None:
    _, activity_id = await announced(driver)
    form = await edit_form(driver)
    saved = invoke_card(await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save")))
    assert "Tallennettu." in all_text(saved) and "päivittyy" not in all_text(saved)
    await settle(driver)
    assert channel_updates(driver, activity_id) == []
    assert (await meeting_row(driver)).revision == 1


async def test_edit_with_errors_changes_nothing(driver: Driver) -> None:
    _, activity_id = await announced(driver)
    form = await edit_form(driver)
    answer = invoke_card(await press(driver, KAISA, "meeting.save", submitted(form, "meeting.save", end="09:00")))
    assert "Korjaa merkityt kohdat" in all_text(answer)
    await settle(driver)
    assert channel_updates(driver, activity_id) == []
    assert (await meeting_row(driver)).revision == 1


async def test_cancelling_marks_the_card_cancelled_stops_jobs_and_answers(driver: Driver) -> None:
    meeting_id, activity_id = await announced(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "tapaaminen peru 1"))
    confirm = driver.connector.sent[-1].cards[0]
    assert "Perutaanko foorumitapaaminen 1" in all_text(confirm)
    assert (await meeting_row(driver)).status == "scheduled"  # asking changes nothing

    done = invoke_card(await press(driver, KAISA, "meeting.cancel_confirm", {"meetingId": meeting_id}))
    assert "on peruttu" in all_text(done)
    await settle(driver)
    [update] = channel_updates(driver, activity_id)
    assert "PERUTTU" in all_text(update)
    assert verbs_of(update) == []  # no RSVP buttons on a cancelled meeting
    assert driver.connector.sent_to(TEAM_ID) == []
    assert all(job.status != "pending" for job in (await jobs(driver)).values())

    mine = invoke_card(
        await press(driver, MATTI, "meeting.rsvp", {"meetingId": meeting_id, "answer": "on_site"}, conversation=CHANNEL)
    )
    assert "vastauksia ei enää kirjata" in all_text(mine)
    assert await rsvp_rows(driver) == []

    await driver.send(personal_message(driver.service_url, KAISA, "tapaaminen muokkaa 1"))
    assert "peruttu, eikä sitä voi enää muokata" in driver.connector.sent[-1].text
    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    assert "peruttu" in driver.connector.sent[-1].text
    assert len(await outbox_rows(driver, "meeting_announcement")) == 1


async def test_participant_cannot_cancel(driver: Driver) -> None:
    meeting_id, _ = await announced(driver)
    body = await press(driver, MATTI, "meeting.cancel_confirm", {"meetingId": meeting_id})
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    assert (await meeting_row(driver)).status == "scheduled"


async def test_reminders_are_planned_at_import_and_the_nudge_once_posted(driver: Driver) -> None:
    await driver.install()
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    planned = await jobs(driver)
    assert set(planned) == {f"meeting:{meeting.id}:reminder:168h", f"meeting:{meeting.id}:reminder:24h"}
    assert planned[f"meeting:{meeting.id}:reminder:24h"].due_at == meeting.starts_at - timedelta(hours=24)

    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    await press(driver, KAISA, "meeting.post", {"meetingId": meeting.id})
    nudge = (await jobs(driver))[f"meeting:{meeting.id}:rsvp_nudge"]
    assert meeting.rsvp_deadline is not None
    assert nudge.due_at == meeting.rsvp_deadline - timedelta(hours=48)


def form_value(card: dict[str, Any], input_id: str) -> str:
    return str(inputs_of(card)[input_id]["value"])
