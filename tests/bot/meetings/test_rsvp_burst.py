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
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from app import create_app
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


CARD_DELAY = 60.0
"""Longer than any test: the delayed kick fires only when ``settle()`` says so, never by the clock."""


@pytest.fixture
async def bot_client(settings_factory: Any) -> AsyncIterator[TestClient[Any, Any]]:
    """The app as deployed: a card update waits for more answers (here until ``settle``)."""
    client = TestClient(
        TestServer(create_app(settings_factory(card_update_delay_seconds=CARD_DELAY)), host="127.0.0.1")
    )
    await client.start_server()
    yield client
    await client.close()


async def announced(driver: Driver, people: tuple[User, ...]) -> tuple[int, str]:
    await driver.install(people)
    await seed_programme(driver, programme_text(future_day()))
    meeting = await meeting_row(driver)
    await driver.send(personal_message(driver.service_url, KAISA, "ilmoita 1"))
    await press(driver, KAISA, "meeting.post", {"meetingId": meeting.id})
    [post] = await outbox_rows(driver, "meeting_announcement")
    driver.connector.clear()
    assert post.activity_id
    return meeting.id, post.activity_id


def rsvp(driver: Driver, user: User, meeting_id: int, answer: str) -> dict[str, Any]:
    data = {"verb": "meeting.rsvp", "meetingId": meeting_id, "answer": answer}
    return card_execute(driver.service_url, user, "meeting.rsvp", data, conversation=channel_conversation())


async def test_answers_within_the_delay_are_one_card_update_with_every_count(driver: Driver) -> None:
    meeting_id, activity_id = await announced(driver, EVERYONE)
    for user, answer in zip(EVERYONE, ("on_site", "on_site", "online", "cannot", "online"), strict=True):
        status, body = await driver.post(rsvp(driver, user, meeting_id, answer))
        assert status == 200 and body["statusCode"] == 200  # each presser has their own card at once
    assert driver.connector.updated == []  # the channel card waits for the burst to end
    assert [row.operation for row in await outbox_rows(driver)][-1:] == ["update"]
    assert len([row for row in await outbox_rows(driver) if row.operation == "update"]) == 1  # coalesced
    await settle(driver)
    [update] = [r for r in driver.connector.updated if r.activity_id == activity_id]
    assert "Paikan päällä 2 · Etänä 2 · Ei pääse 1" in str(update.body)


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
    meeting_id, activity_id = await announced(driver, people)
    caplog.set_level(logging.WARNING)

    answers = {user.key: ANSWERS[n % len(ANSWERS)] for n, user in enumerate(people)}
    replies = await asyncio.gather(*(driver.post(rsvp(driver, user, meeting_id, answers[user.key])) for user in people))
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
    last = [r for r in driver.connector.updated if r.activity_id == activity_id][-1]
    counts = Counter(answers.values())
    assert f"Paikan päällä {counts['on_site']} · Etänä {counts['online']} · Ei pääse {counts['cannot']}" in str(
        last.body
    )
