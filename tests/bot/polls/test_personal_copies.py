"""The poll posted to everyone's chat too: a copy in each participant's 1:1, answerable there,
one reminder three days later to exactly those who have not answered (an anonymous poll, so
found by the voter hash), nothing twice; at the close copies and reminders say *closed*, and an
hour later the reminders, which recorded who had not answered, are deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.components import DATABASE
from bot.delivery.context import DELIVERY
from forum.delivery.outbox_delivery import OutboxDelivery
from forum.delivery.quiet_hours import NEVER_QUIET
from storage.models import OutboxMessageRow, ParticipantRow, ScheduledJobRow
from tests.bot.meetings.helpers import inputs_of, invoke_card, outbox_rows, press, settle
from tests.bot.polls.helpers import KAISA_CHAT, PARTICIPANTS, answer_execute, poll_row
from tests.support.activities import KAISA, TEAM_ID, personal_conversation, personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver
from tests.support.outbox import VirtualClock, drain_until_settled, make_worker


async def run_jobs_at(driver: Driver, moment: datetime) -> None:
    """The jobs due at ``moment`` and what they queued, sent by a worker on that clock."""
    app = driver.client.server.app
    clock = VirtualClock(now=moment)
    await app[DELIVERY].dispatcher.run_due(moment, limit=1000)
    sessions = app[DATABASE].sessions
    worker = make_worker(
        sessions, clock, delivery=OutboxDelivery(sessions, app[DELIVERY].renderers, quiet_hours=NEVER_QUIET)
    )
    await drain_until_settled(worker, sessions, clock)


async def person_of_participant(driver: Driver) -> dict[str, int]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        rows = (await session.scalars(select(ParticipantRow))).all()
        return {row.person.email or "": row.person_id for row in rows}


async def nudge_job_due(driver: Driver, poll_id: int) -> datetime | None:
    async with driver.client.server.app[DATABASE].sessions() as session:
        job = await session.scalar(select(ScheduledJobRow).where(ScheduledJobRow.key == f"poll:{poll_id}:nudge"))
        return None if job is None else job.due_at.replace(tzinfo=UTC)


def first_statement(card: dict[str, object]) -> str:
    return next(i for i, e in inputs_of(card).items() if e["type"] == "Input.ChoiceSet")


async def test_copies_in_every_chat_one_reminder_to_the_silent_and_closed_in_place(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    await driver.send(personal_message(driver.service_url, KAISA, "kysely aloita 1"))
    poll = await poll_row(driver)
    before = datetime.now(UTC)
    done = invoke_card(await press(driver, KAISA, "poll.post", {"pollId": poll.id, "personal": True}))
    await settle(driver)
    assert "jokaisen osallistujan keskusteluun" in all_text(done)

    # The channel card, and one copy to each of the 50: the poll's card, answerable, no answers in it.
    assert [r for r in driver.connector.sent_to(TEAM_ID) if r.cards]
    copies = [r for r in await outbox_rows(driver, "poll_copy") if r.operation == "send"]
    people = await person_of_participant(driver)
    assert len(copies) == 50 and {r.status for r in copies} == {"sent"}
    assert {r.recipient_person_id for r in copies} == set(people.values())
    # Kaisa's chat has the preview too; the copy is the card that refreshes.
    [card] = [c for r in driver.connector.sent_to(KAISA_CHAT) for c in r.cards if "refresh" in c]
    assert card["refresh"]["action"]["verb"] == "poll.refresh" and "userIds" not in card["refresh"]
    assert "poll.answer" in [a.get("verb") for a in card["actions"]]
    due = await nudge_job_due(driver, poll.id)
    assert due is not None and timedelta(days=3) <= due - before < timedelta(days=3, minutes=5)

    # Ten answer: five in their own chat's copy, five in the channel.
    statement = first_statement(card)
    answered = PARTICIPANTS[:10]
    for index, user in enumerate(answered):
        if index % 2:
            mine = invoke_card(
                await press(
                    driver, user, "poll.answer", {"pollId": poll.id, statement: "4"},
                    conversation=personal_conversation(user),
                )
            )  # fmt: skip
            assert "Kiitos" in all_text(mine)
        else:
            await answer_execute(driver, user, poll.id, {statement: "3"})
    await settle(driver)

    # The reminder: once, to the forty who have not answered.
    await run_jobs_at(driver, due + timedelta(minutes=1))
    nudges = await outbox_rows(driver, "poll_nudge")
    silent = {people[user.email] for user in PARTICIPANTS[10:]}
    assert {r.recipient_person_id for r in nudges} == silent and len(nudges) == 40
    assert {r.status for r in nudges} == {"sent"}
    reminder = next(r.cards[0] for r in driver.connector.sent if r.cards and "Muistutus" in all_text(r.cards[0]))
    assert "poll.answer" in [a.get("verb") for a in reminder["actions"]]
    await run_jobs_at(driver, due + timedelta(days=4))
    assert len(await outbox_rows(driver, "poll_nudge")) == 40  # one reminder, ever

    # The close: every copy and reminder says so in place; an hour later the reminders, which
    # recorded who had not answered, are deleted (the key and hashes went at the close).
    driver.connector.clear()
    closing = datetime.now(UTC)
    await driver.send(personal_message(driver.service_url, KAISA, "kysely sulje 1"))
    await settle(driver)
    updates = await outbox_rows(driver, "poll_copy_update")
    assert len(updates) == 50 + 40 and {r.status for r in updates} == {"sent"}
    updated = [r.cards[0] for r in driver.connector.updated if r.conversation_id != TEAM_ID]
    assert len(updated) == 90 and all("Kysely on suljettu" in all_text(c) and "actions" not in c for c in updated)
    assert not any("Muistutus" in all_text(c) for c in updated)
    await run_jobs_at(driver, closing + timedelta(minutes=59))
    assert len(await outbox_rows(driver, "poll_nudge")) == 40
    await run_jobs_at(driver, closing + timedelta(hours=1, minutes=1))
    assert await outbox_rows(driver, "poll_nudge") == []
    async with driver.client.server.app[DATABASE].sessions() as session:
        keys = (await session.scalars(select(OutboxMessageRow.idempotency_key))).all()
        jobs = (await session.scalars(select(ScheduledJobRow.key).where(ScheduledJobRow.status == "pending"))).all()
    assert not [k for k in keys if k.startswith(f"poll:{poll.id}:nudge")]
    assert len(await outbox_rows(driver, "poll_copy_update")) == 50
    assert not [k for k in jobs if k.startswith(f"poll:{poll.id}:")]
    # An answer on an old copy after the close is refused and stores nothing.
    late = invoke_card(
        await press(
            driver, PARTICIPANTS[20], "poll.answer", {"pollId": poll.id, statement: "1"},
            conversation=personal_conversation(PARTICIPANTS[20]),
        )
    )  # fmt: skip
    assert "suljettu" in all_text(late)
    assert (await poll_row(driver)).status == "closed"


async def test_a_copy_still_waiting_when_the_poll_closes_is_not_sent(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS[:5])
    await driver.send(personal_message(driver.service_url, KAISA, "kysely aloita 1"))
    poll = await poll_row(driver)
    # Hold the pump: the post commits its copies, the close comes before they go.
    pump = driver.client.server.app[DELIVERY].pump
    kick, pump.kick = pump.kick, lambda: None
    try:
        await press(driver, KAISA, "poll.post", {"pollId": poll.id, "personal": True})
        await driver.send(personal_message(driver.service_url, KAISA, "kysely sulje 1"))
    finally:
        pump.kick = kick
    driver.connector.clear()
    pump.kick()
    await settle(driver)
    copies = await outbox_rows(driver, "poll_copy")
    assert len(copies) == 5 and {r.status for r in copies} == {"dropped"}
    assert not [r for r in driver.connector.sent if r.conversation_id != TEAM_ID and r.cards]


async def test_a_named_poll_reminds_by_participant_and_keeps_its_reminders(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS[:6])
    await driver.send(
        personal_message(driver.service_url, KAISA, 'kysely uusi "Mikä auttoi?" Sparraus / Kokeilut nimellinen')
    )
    poll = await poll_row(driver)
    before = datetime.now(UTC)
    await press(driver, KAISA, "poll.post", {"pollId": poll.id, "personal": "true"})  # as an Action.Submit sends it
    await settle(driver)
    assert len(await outbox_rows(driver, "poll_copy")) == 6
    [card] = [c for r in driver.connector.sent_to(KAISA_CHAT) for c in r.cards if "refresh" in c]
    choice = first_statement(card)
    for user in PARTICIPANTS[:2]:
        await answer_execute(driver, user, poll.id, {choice: "0"})

    await run_jobs_at(driver, before + timedelta(days=3, minutes=5))
    people = await person_of_participant(driver)
    nudged = {r.recipient_person_id for r in await outbox_rows(driver, "poll_nudge")}
    assert nudged == {people[user.email] for user in PARTICIPANTS[2:6]}

    closing = datetime.now(UTC)
    await driver.send(personal_message(driver.service_url, KAISA, "kysely sulje 1"))
    await settle(driver)
    await run_jobs_at(driver, closing + timedelta(hours=2))
    assert len(await outbox_rows(driver, "poll_nudge")) == 4  # named: who was reminded is no secret
    assert len(await outbox_rows(driver, "poll_copy_update")) == 6 + 4
