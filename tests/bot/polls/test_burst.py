"""The whole forum answers the poll's card at once: every answer stored once, every press answered.

Why: a vote is one read and one write (issue 12), with the card's count taken inside the write;
a burst is what would show a lock held too long (``database is locked`` on SQLite, a failed
turn) or a count that lost a vote. Counted, not timed.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.components import DATABASE
from storage import database
from storage.polls.models import PollResponseRow
from tests.bot.meetings.helpers import settle
from tests.bot.polls.helpers import CHANNEL, PARTICIPANTS, elements, posted
from tests.support.activities import card_execute
from tests.support.driver import Driver
from tests.support.turns import FailedTurns, failed_turns

__all__ = ["failed_turns"]

AT_ONCE = 32


@pytest.fixture
def impatient_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite gives up on the write lock after 100 ms: the busy retries must carry the burst."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)


@pytest.mark.usefixtures("impatient_sqlite")
async def test_thirty_two_votes_at_once_are_thirty_two_responses_and_no_error(
    driver: Driver, failed_turns: FailedTurns
) -> None:
    await driver.install(members=PARTICIPANTS)
    poll_id, card, _ = await posted(driver)
    statement = elements(card, "Input.ChoiceSet")[0]
    choices = [choice["value"] for choice in statement["choices"]]
    voters = PARTICIPANTS[1 : AT_ONCE + 1]

    def vote(n: int) -> dict[str, object]:
        data = {"verb": "poll.answer", "pollId": poll_id, statement["id"]: choices[n % len(choices)]}
        return card_execute(driver.service_url, voters[n], "poll.answer", data, conversation=CHANNEL)

    replies = await asyncio.gather(*(driver.post(vote(n)) for n in range(AT_ONCE)))
    await settle(driver)

    assert [status for status, _ in replies] == [200] * AT_ONCE
    assert {body["type"] for _, body in replies} == {"application/vnd.microsoft.card.adaptive"}, replies[:2]
    async with driver.client.server.app[DATABASE].sessions() as session:
        responses = await session.scalar(
            select(func.count()).select_from(PollResponseRow).where(PollResponseRow.poll_id == poll_id)
        )
    assert responses == AT_ONCE
    assert failed_turns.errors == []
