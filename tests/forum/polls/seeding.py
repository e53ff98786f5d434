"""A forum with a poll and any number of stored answers, straight in the database (tests, bench)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.polls.definition import QuestionKind, forum_survey
from forum.polls.model import Poll, create_poll
from storage.polls.models import PollAnswerRow, PollResponseRow, random_id

Sessions = async_sessionmaker[AsyncSession]


async def seed_poll(sessions: Sessions, forum_id: int) -> Poll:
    async with sessions() as session, session.begin():
        return await create_poll(session, forum_id, forum_survey())


async def seed_answers(sessions: Sessions, poll: Poll, answers: int, *, seed: int = 5) -> dict[int, list[int]]:
    """About ``answers`` stored answers (responses of every statement and an open answer in three);
    returns the values given per statement, to check results against."""
    rng = random.Random(seed)
    given: dict[int, list[int]] = {q.id: [] for q in poll.statements}
    per_response = len(poll.statements) + 1
    responses: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for _ in range(max(1, answers // per_response)):
        response_id = random_id()
        responses.append({"id": response_id, "poll_id": poll.id, "voter_hash": None, "participant_id": None})
        for question in poll.questions:
            if question.kind is QuestionKind.OPEN:
                if rng.random() < 0.3:
                    rows.append(
                        {
                            "id": random_id(),
                            "response_id": response_id,
                            "question_id": question.id,
                            "value": None,
                            "text": "vertaistuki",
                        }
                    )
                continue
            value = rng.choice(question.values)
            given[question.id].append(value)
            rows.append(
                {
                    "id": random_id(),
                    "response_id": response_id,
                    "question_id": question.id,
                    "value": value,
                    "text": None,
                }
            )
    async with sessions() as session, session.begin():
        for start in range(0, len(responses), 5000):
            await session.execute(insert(PollResponseRow), responses[start : start + 5000])
        for start in range(0, len(rows), 5000):
            await session.execute(insert(PollAnswerRow), rows[start : start + 5000])
    return given
