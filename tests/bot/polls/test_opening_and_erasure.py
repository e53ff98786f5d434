"""A poll's ``opens_at`` holds answers back too, not only the card; and a participant who is
forgotten while an anonymous poll is open leaves the channel card's count one smaller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.components import DATABASE
from storage.polls.models import PollAnswerRow, PollResponseRow, PollRow
from tests.bot.meetings.helpers import inputs_of, invoke_card, press, settle
from tests.bot.people.helpers import person_of
from tests.bot.polls.helpers import CHANNEL, PARTICIPANTS, answer_execute, answer_submit, channel_updates, posted
from tests.support.activities import personal_message
from tests.support.cards import all_text
from tests.support.driver import Driver

MEMBER = PARTICIPANTS[1]
LEAVER = PARTICIPANTS[4]


async def stored(driver: Driver) -> tuple[int, int]:
    async with driver.client.server.app[DATABASE].sessions() as session:
        responses = await session.scalar(select(func.count()).select_from(PollResponseRow))
        answers = await session.scalar(select(func.count()).select_from(PollAnswerRow))
        return int(responses or 0), int(answers or 0)


async def set_opens_at(driver: Driver, poll_id: int, moment: datetime) -> None:
    async with driver.client.server.app[DATABASE].sessions() as session, session.begin():
        await session.execute(update(PollRow).where(PollRow.id == poll_id).values(opens_at=moment))


def first_statement(card: dict[str, object]) -> str:
    return next(i for i, e in inputs_of(card).items() if e["type"] == "Input.ChoiceSet")


async def test_an_answer_before_opens_at_is_refused_and_stores_nothing(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, activity_id = await posted(driver)
    statement = first_statement(card)
    # The card is out (a stale one, or an invoke crafted from it), but the poll opens tomorrow.
    await set_opens_at(driver, poll_id, datetime.now(UTC) + timedelta(days=1))

    refused = invoke_card(
        await press(driver, MEMBER, "poll.answer", {"pollId": poll_id, statement: "4"}, conversation=CHANNEL)
    )
    assert "Kysely avautuu" in all_text(refused) and "ei tallennettu" in all_text(refused)
    driver.connector.clear()
    await answer_submit(driver, MEMBER, poll_id, {statement: "4"}, activity_id)
    assert "Kysely avautuu" in driver.connector.sent[-1].text
    assert await stored(driver) == (0, 0)
    assert channel_updates(driver, activity_id) == []  # no count to update: nobody answered

    await set_opens_at(driver, poll_id, datetime.now(UTC) - timedelta(minutes=1))
    saved = await answer_execute(driver, MEMBER, poll_id, {statement: "4"})
    assert "Kysely avautuu" not in all_text(saved)
    assert await stored(driver) == (1, 1)


async def test_forgetting_a_voter_updates_the_open_cards_count(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, activity_id = await posted(driver)
    statement = first_statement(card)
    for user in (MEMBER, LEAVER, PARTICIPANTS[5]):
        await answer_execute(driver, user, poll_id, {statement: "3"})
    assert "vastanneita 3" in all_text(channel_updates(driver, activity_id)[-1])
    driver.connector.clear()

    await driver.send(personal_message(driver.service_url, LEAVER, "unohda minut"))
    person = await person_of(driver, LEAVER)
    assert person is not None
    await press(driver, LEAVER, "privacy.forget_confirm", {"personId": person.id})
    await settle(driver)

    assert await stored(driver) == (2, 2)
    [recounted] = channel_updates(driver, activity_id)
    assert "vastanneita 2" in all_text(recounted)
