"""What one turn costs the database: statements and write transactions, counted.

Why counted and not timed: wall-clock assertions flake on a shared machine,
a statement count does not, and it is what made turns slow (an RSVP issued 25
statements in 3 write transactions before issue 9). ``bench/inbound.py``
measures the time.
"""

from __future__ import annotations

from typing import Any

from tests.bot.meetings.test_rsvp import announced, answer
from tests.support.activities import ANNA, KAISA, MATTI, personal_message
from tests.support.driver import Driver
from tests.support.statements import counting_turns

HELP_BUDGET = 3
RSVP_BUDGET = 6


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
