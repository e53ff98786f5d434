"""The whole forum answers the check-in prompt at once: every answer stored, every press answered.

Why: the submit reads its rows before it takes the write lock and holds the lock for the record
and its intents only (issue 11); a burst is what would show a read or a render left under the
lock (``database is locked`` on SQLite, a failed turn). Counted, not timed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from storage import database
from tests.bot.checkins.helpers import answer, checkins, rounds, seed, settle
from tests.bot.checkins.test_forum_simulation import EVERYONE, PEOPLE, forum_programme
from tests.support.activities import KAISA, card_execute, personal_conversation, personal_message
from tests.support.driver import Driver
from tests.support.turns import FailedTurns, failed_turns

__all__ = ["failed_turns"]

AT_ONCE = 32


@pytest.fixture
def impatient_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite gives up on the write lock after 100 ms: the busy retries must carry the burst."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)


@pytest.mark.usefixtures("impatient_sqlite")
async def test_thirty_two_check_ins_at_once_are_thirty_two_records_and_no_error(
    driver: Driver, failed_turns: FailedTurns
) -> None:
    await driver.install(EVERYONE)
    await seed(driver, forum_programme(), install=False)
    await driver.send(personal_message(driver.service_url, KAISA, "kuulumiset avaa"))
    await settle(driver)
    [opened] = [r for r in await rounds(driver) if r.opened_at is not None]
    people = PEOPLE[:AT_ONCE]

    def submit(n: int) -> dict[str, Any]:
        data = {"verb": "checkin.save", **answer(opened.id, learned=f"Opimme {n}.")}
        return card_execute(
            driver.service_url, people[n], "checkin.save", data, conversation=personal_conversation(people[n])
        )

    replies = await asyncio.gather(*(driver.post(submit(n)) for n in range(AT_ONCE)))
    await settle(driver)

    assert [status for status, _ in replies] == [200] * AT_ONCE
    assert {body["type"] for _, body in replies} == {"application/vnd.microsoft.card.adaptive"}, replies[:2]
    stored = await checkins(driver)
    assert sorted(row.learned for row in stored) == sorted(f"Opimme {n}." for n in range(AT_ONCE))
    assert {row.round_id for row in stored} == {opened.id}
    assert failed_turns.errors == []
