"""What one turn costs the database: statements and write transactions, counted.

Why counted and not timed: wall-clock assertions flake on a shared machine,
a statement count does not, and it is what made turns slow (an RSVP issued 25
statements in 3 write transactions before issue 9). ``bench/inbound.py``
measures the time.
"""

from __future__ import annotations

from typing import Any

from storage.checkins.models import ExperimentRow
from tests.bot.checkins import helpers as checkin_help
from tests.bot.checkins.test_prompts import open_round
from tests.bot.meetings.helpers import inputs_of, press, settle
from tests.bot.meetings.test_rsvp import announced, answer
from tests.bot.polls.helpers import CHANNEL, PARTICIPANTS, posted
from tests.support.activities import ANNA, KAISA, LIISA, MATTI, personal_message
from tests.support.driver import Driver
from tests.support.statements import TurnCost, counting_turns

HELP_BUDGET = 3
RSVP_BUDGET = 6
CHECKIN_BUDGET = 11
"""A check-in saved again with a new experiment: the identity; one read of the member, the
museums, the person's preferences, the round (with its meeting's number), the museum's
experiments and the record; then the write: the project, the new experiment, the record's update
and the digest's card (is there one to update). It was 22 (28 for someone picking a museum), all
of them but the identity under the write lock."""
CHECKIN_LOCKED = 4
"""Statements under SQLite's write lock for that save (the project, the experiment, the update,
the digest's card); an answer about an experiment the museum has needs two."""
VOTE_BUDGET = 5
"""An edited vote: the identity; then the poll with its questions, the voter's response with the
count for the card, the answers deleted and inserted. It was 9 in three transactions (12 on SQLite
with the BEGIN statements)."""


def app_of(driver: Driver) -> Any:
    return driver.client.server.app


async def test_help_for_a_known_member_reads_once_and_writes_nothing(driver: Driver) -> None:
    await driver.install()
    driver.connector.clear()
    with counting_turns(app_of(driver)) as turns:
        await driver.send(personal_message(driver.service_url, MATTI, "apua"))  # first contact: keeps the 1:1
        first = turns.last
        await driver.send(personal_message(driver.service_url, MATTI, "apua"))
        again = turns.last
    assert first.writes == 1, first.describe()  # the 1:1 reference
    assert again.count <= HELP_BUDGET, again.describe()
    assert again.count == 1 and again.writes == 0 and again.write_locks == 0, again.describe()
    assert again.transactions == 1
    assert len(driver.connector.sent) == 2


async def test_a_changed_name_or_language_is_written_once(driver: Driver) -> None:
    await driver.install()
    await driver.send(personal_message(driver.service_url, KAISA, "apua"))
    with counting_turns(app_of(driver)) as turns:
        await driver.send(personal_message(driver.service_url, KAISA, "help", locale="en-US"))
        changed = turns.last
        await driver.send(personal_message(driver.service_url, KAISA, "help", locale="en-US"))
        same = turns.last
    assert changed.writes == 1, changed.describe()  # the locale and the reference, one UPDATE
    assert same.writes == 0 and same.write_locks == 0 and same.count == 1, same.describe()


async def test_an_rsvp_is_one_upsert_one_count_and_one_card_update(driver: Driver) -> None:
    meeting_id, _activity = await announced(driver)
    with counting_turns(app_of(driver)) as turns:
        await answer(driver, MATTI, meeting_id, "on_site")  # queues the card's update
        first = turns.last
        await answer(driver, ANNA, meeting_id, "online")
        second = turns.last
        await answer(driver, ANNA, meeting_id, "online")  # the same answer again: nothing to write
        repeated = turns.last
    for cost in (first, second):
        assert cost.count <= RSVP_BUDGET, cost.describe()
        assert cost.write_locks <= 1 and cost.transactions <= 3, (cost.transactions, cost.describe())
        assert [s.split()[0].upper() for s in cost.statements].count("INSERT") <= 2, cost.describe()
    # The upsert finds the same answer and changes nothing: no card update is asked for.
    assert repeated.count <= RSVP_BUDGET - 2 and "outbox_message" not in " ".join(repeated.statements), (
        repeated.describe()
    )


def kinds(cost: TurnCost) -> list[str]:
    return [s.split()[0].upper() for s in cost.statements]


async def test_a_checkin_submit_reads_before_it_writes_and_writes_once(driver: Driver) -> None:
    round_id = await open_round(driver)
    await checkin_help.press(driver, LIISA, "checkin.save", checkin_help.answer(round_id))  # has a museum
    await checkin_help.press(driver, MATTI, "checkin.save", checkin_help.answer(round_id, museum="1"))  # picks one
    with counting_turns(app_of(driver)) as turns:
        fresh = checkin_help.answer(round_id, new_experiment="Iltaopastus", learned="Toinen")
        await checkin_help.press(driver, LIISA, "checkin.save", fresh)
        new_experiment = turns.last
        # the same pick again, and a "new" experiment the museum already has: neither is written again
        again = checkin_help.answer(round_id, museum="1", new_experiment=" perhesunnuntait ", learned="Toinen")
        await checkin_help.press(driver, MATTI, "checkin.save", again)
        same_pick = turns.last
    assert new_experiment.count <= CHECKIN_BUDGET, new_experiment.describe()
    assert len(new_experiment.under_write_lock) <= CHECKIN_LOCKED, new_experiment.under_write_lock
    assert kinds(new_experiment).count("INSERT") == 1, new_experiment.describe()  # the experiment
    assert same_pick.count <= CHECKIN_BUDGET - 2, same_pick.describe()
    assert len(same_pick.under_write_lock) <= CHECKIN_LOCKED - 2, same_pick.under_write_lock
    assert "INSERT" not in kinds(same_pick), same_pick.describe()
    for cost in (new_experiment, same_pick):
        assert cost.transactions == 3 and cost.write_locks <= 1, (cost.transactions, cost.describe())
        assert kinds(cost).count("UPDATE") == 1, cost.describe()  # the record; no person, preference or claim
        assert "outbox_message (" not in " ".join(cost.statements), cost.describe()
    experiments = await checkin_help.rows(driver, ExperimentRow)
    assert sorted(e.title for e in experiments) == ["Iltaopastus", "Perhesunnuntait"]


async def test_a_vote_reads_the_identity_once_and_writes_in_one_transaction(driver: Driver) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, _ = await posted(driver)
    statement = next(i for i, e in inputs_of(card).items() if e["type"] == "Input.ChoiceSet")
    voters = PARTICIPANTS[1:4]
    for user in voters:  # first answers: each queues the card's count update
        await press(driver, user, "poll.answer", {"pollId": poll_id, statement: "3"}, conversation=CHANNEL)
    await settle(driver)
    with counting_turns(app_of(driver)) as turns:
        edits = []
        for value, user in enumerate(voters):
            await press(driver, user, "poll.answer", {"pollId": poll_id, statement: str(value)}, conversation=CHANNEL)
            edits.append(turns.last)
        await press(driver, PARTICIPANTS[4], "poll.answer", {"pollId": poll_id, statement: "2"}, conversation=CHANNEL)
        first = turns.last
    for cost in edits:
        assert cost.count <= VOTE_BUDGET, cost.describe()
        assert cost.transactions == 2 and cost.write_locks <= 1, (cost.transactions, cost.describe())
        assert kinds(cost)[:3] == ["SELECT", "SELECT", "SELECT"], cost.describe()  # identity, poll, response
        assert "outbox_message" not in " ".join(cost.statements), cost.describe()
    # a first answer: the response inserted and the card's count update queued, still one write
    assert first.transactions == 2 and first.write_locks <= 1, first.describe()
    assert "DELETE" not in kinds(first), first.describe()  # a new response has no answers to replace
