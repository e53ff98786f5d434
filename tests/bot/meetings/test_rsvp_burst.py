"""The whole forum presses the RSVP button at once: every answer stored, every press answered, no error.

Why: before issue 9, 32 concurrent presses on SQLite lost turns to
``database is locked`` (the write lock was held across reads and a card
render); the presses answered HTTP 501 and the generic error went into the
channel thread. Counted, not timed: ``bench/inbound.py`` measures the speed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.components import DATABASE
from storage import database
from storage.models import RsvpRow
from tests.bot.meetings.helpers import (
    future_day,
    meeting_row,
    outbox_rows,
    press,
    programme_text,
    seed_programme,
    settle,
)
from tests.support.activities import (
    EVERYONE,
    KAISA,
    TEAM_ID,
    User,
    card_execute,
    channel_conversation,
    personal_message,
)
from tests.support.driver import Driver

PRESSES = 64
ANSWERS = ("on_site", "online", "cannot")
CROWD = tuple(User(f"crowd{n}", f"Crowd Person {n}", f"crowd{n}@museo.fi") for n in range(PRESSES - len(EVERYONE)))


@pytest.fixture
def impatient_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite gives up waiting for the write lock after 100 ms instead of 5 s: a press that
    still held the lock across reads and a card render would lose turns here at once, and the
    retries of ``storage.transactions`` are what must carry the burst."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)


@pytest.mark.usefixtures("impatient_sqlite")
async def test_sixty_four_presses_at_once_are_sixty_four_answers_and_no_error(
    driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    people = EVERYONE + CROWD
    await driver.install(people)
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    await press(driver, KAISA, "meeting.post", {"meetingId": meeting.id})
    driver.connector.clear()
    caplog.set_level(logging.WARNING)

    channel = channel_conversation()
    answers = {user.key: ANSWERS[n % len(ANSWERS)] for n, user in enumerate(people)}
    replies = await asyncio.gather(
        *(
            driver.post(
                card_execute(
                    driver.service_url,
                    user,
                    "meeting.rsvp",
                    {"verb": "meeting.rsvp", "meetingId": meeting.id, "answer": answers[user.key]},
                    conversation=channel,
                )
            )
            for user in people
        )
    )
    await settle(driver)

    assert [status for status, _ in replies] == [200] * PRESSES
    kinds = Counter((body["statusCode"], body["type"]) for _, body in replies)
    assert kinds == {(200, "application/vnd.microsoft.card.adaptive"): PRESSES}, kinds
    async with driver.client.server.app[DATABASE].sessions() as session:
        stored = dict(
            (await session.execute(select(RsvpRow.answer, func.count()).group_by(RsvpRow.answer))).tuples().all()
        )
    assert stored == dict(Counter(answers.values()))
    assert driver.connector.sent_to(TEAM_ID) == []  # no error (nor anything else) posted in the channel
    # No failed turn and no press that ran out of retries. (The outbox worker, waking at the
    # same moment, may meet the lock too: it tries again on its next tick by design.)
    turns = [r for r in caplog.records if r.name.startswith(("bot.adapter", "bot.handler", "storage.transactions"))]
    assert [r.getMessage() for r in turns if r.levelno >= logging.WARNING] == []
    # The channel card ends with every answer counted.
    [post] = await outbox_rows(driver, "meeting_announcement")
    last = [r for r in driver.connector.updated if r.activity_id == post.activity_id][-1]
    counts = Counter(answers.values())
    assert f"Paikan päällä {counts['on_site']} · Etänä {counts['online']} · Ei pääse {counts['cannot']}" in str(
        last.body
    )
