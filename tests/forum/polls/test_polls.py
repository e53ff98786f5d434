"""The poll domain on SQLite and PostgreSQL: definitions, results' fixed number of SQL statements,
the scheduled closing, and earlier rounds."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from forum.delivery.intents import enqueue_intent
from forum.delivery.jobs import JobDispatcher, JobRegistry, upsert_job
from forum.delivery.outbox import ChannelTarget
from forum.polls.definition import PollFileError, QuickPollError, parse_poll_file, parse_quick_poll
from forum.polls.model import PollStatus, load_poll
from forum.polls.results import poll_results
from forum.polls.rounds import RoundFileError, parse_round
from forum.polls.service import CLOSE_JOB, close_job, close_poll
from storage.models import OutboxMessageRow
from storage.polls.models import PollRow
from tests.forum.polls.seeding import seed_answers, seed_poll
from tests.support.outbox import seed_forum
from tests.support.statements import counted_statements

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


async def test_results_issue_the_same_statements_for_80_and_8000_answers(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:9/")
    small, large = await seed_poll(sessions, forum_id), await seed_poll(sessions, forum_id)
    given = await seed_answers(sessions, small, 80)
    await seed_answers(sessions, large, 8000)
    counts = []
    for poll in (small, large):
        with counted_statements(engine) as seen:
            async with sessions() as session:
                results = await poll_results(session, poll.id)
        counts.append(len(seen))
        assert results.shown
    assert counts[0] == counts[1] <= 12, counts
    async with sessions() as session:
        results = await poll_results(session, small.id)
    for question_id, values in given.items():
        found = results.result(question_id)
        assert found is not None and found.answered == len(values)
        assert found.mean == pytest.approx(statistics.fmean(values))


async def test_the_closing_time_closes_the_poll_and_forgets_the_voters(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    forum_id = await seed_forum(sessions, "http://127.0.0.1:9/")
    poll = await seed_poll(sessions, forum_id)
    async with sessions() as session, session.begin():
        row = await session.get(PollRow, poll.id)
        assert row is not None
        row.status, row.voter_key, row.card_key = "open", "ab" * 32, f"poll:{poll.id}:card"
        row.closes_at = NOW + timedelta(days=7)
        await upsert_job(
            session,
            key=f"poll:{poll.id}:close",
            forum_id=forum_id,
            kind=CLOSE_JOB,
            subject_id=poll.id,
            due_at=row.closes_at,
        )
        await enqueue_intent(
            session,
            key=f"poll:{poll.id}:card",
            purpose="poll_card",
            target=ChannelTarget(forum_id),
            data={"poll_id": poll.id},
            forum_id=forum_id,
        )
    await seed_answers(sessions, poll, 40)
    registry = JobRegistry()
    registry.register(CLOSE_JOB, close_job)
    dispatcher = JobDispatcher(sessions, registry)
    assert await dispatcher.run_due(NOW + timedelta(days=6)) == 0
    assert await dispatcher.run_due(NOW + timedelta(days=7, seconds=1)) == 1
    async with sessions() as session:
        closed = await load_poll(session, poll.id)
        row = await session.get(PollRow, poll.id)
        purposes = [r.purpose for r in (await session.scalars(select(OutboxMessageRow))).all()]
    assert closed.status is PollStatus.CLOSED and row is not None and row.voter_key is None
    assert "poll_results" in purposes
    async with sessions() as session, session.begin():
        assert await close_poll(session, poll.id, NOW) is None  # closing again does nothing


def test_a_poll_file_lists_every_problem() -> None:
    text = """
[poll]
title = { fi = "Palaute", de = "Feedback" }
min_group = 2
colour = "red"

[[questions]]
kind = "scale"
scale = "0-10"
text = "Hyödyllinen?"

[[questions]]
kind = "choice"
text = "Mikä?"
options = ["Vain yksi"]

[[questions]]
kind = "essay"
text = "?"
"""
    with pytest.raises(PollFileError) as caught:
        parse_poll_file(text)
    problems = "\n".join(caught.value.problems)
    for expected in (
        "poll.title",
        "poll.min_group",
        "poll.colour",
        "questions[1].scale",
        "questions[2].options",
        "questions[3].kind",
    ):
        assert expected in problems, expected


def test_the_example_file_and_a_quick_poll_parse() -> None:
    example = parse_poll_file(
        (Path(__file__).resolve().parents[3] / "polls" / "example.toml").read_text(encoding="utf-8")
    )
    assert [q.kind.value for q in example.questions] == ["scale", "choice", "open"]
    assert example.closes_at is not None and example.closes_at.utcoffset() == timedelta(hours=3)
    quick = parse_quick_poll("“Jatketaanko?” Kyllä / Ei / En osaa sanoa")
    assert quick.anonymous and [o["sv"] for o in quick.questions[0].options] == ["Kyllä", "Ei", "En osaa sanoa"]
    assert not parse_quick_poll('"Jatketaanko?" Kyllä / Ei named').anonymous
    for bad in ("Jatketaanko? Kyllä / Ei", '"Jatketaanko?" Kyllä', '"" A / B'):
        with pytest.raises(QuickPollError):
            parse_quick_poll(bad)


def test_an_earlier_round_by_number_or_text_with_a_decimal_comma() -> None:
    rows = parse_round("\ufeffstatement;mean;count\n1;4,5;38\nOlemme pystyneet tuomaan esiin;3.9;38\n")
    assert [(r.position, r.mean, r.count) for r in rows] == [(1, 4.5, 38), (2, 3.9, 38)]
    assert rows[0].statement.startswith("Foorumi on tarjonnut")
    with pytest.raises(RoundFileError) as caught:
        parse_round("1;kuusi;38\n2;7;38\n3;4\n")
    assert len(caught.value.problems) == 3
