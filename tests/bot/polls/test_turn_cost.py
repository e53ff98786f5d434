"""A vote's SQL statements are counted, so they cannot creep up; the answer turn writes one short transaction."""

from __future__ import annotations

from bot.components import DATABASE
from tests.bot.meetings.helpers import inputs_of, press, settle
from tests.bot.polls.helpers import CHANNEL, PARTICIPANTS, posted
from tests.support.activities import card_execute
from tests.support.driver import Driver
from tests.support.statements import counted_statements

VOTE_STATEMENTS = 7
"""An edited vote on SQLite: the identity (BEGIN + one statement) and the write (BEGIN + the poll
with its questions, the response with the count for the card, delete and insert the answers).
PostgreSQL needs two fewer (no BEGIN statements). It was 12 (three transactions)."""


async def test_a_vote_costs_a_fixed_number_of_statements(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, _ = await posted(driver)
    statement = next(i for i, e in inputs_of(card).items() if e["type"] == "Input.ChoiceSet")
    engine = driver.client.server.app[DATABASE].engine
    await press(driver, PARTICIPANTS[1], "poll.answer", {"pollId": poll_id, statement: "3"}, conversation=CHANNEL)
    costs = []
    for user in PARTICIPANTS[2:5]:
        activity = card_execute(
            driver.service_url,
            user,
            "poll.answer",
            {"verb": "poll.answer", "pollId": poll_id, statement: "4"},
            conversation=CHANNEL,
        )
        await driver.send(activity)  # warm the person's identity the way a real member has it
        await settle(driver)  # the count's card update has gone: the worker's statements are not the turn's
        with counted_statements(engine) as seen:
            await driver.send(
                card_execute(
                    driver.service_url,
                    user,
                    "poll.answer",
                    {"verb": "poll.answer", "pollId": poll_id, statement: "5"},
                    conversation=CHANNEL,
                )
            )
        costs.append(len(seen))
        await settle(driver)
    assert len(set(costs)) == 1, costs
    assert costs[0] <= VOTE_STATEMENTS, costs
