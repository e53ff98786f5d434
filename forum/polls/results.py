"""A poll's results: per statement the mean, the number of answers and the distribution, the
open answers in random order, and the previous round beside it; never below the minimum group.

Why the number of SQL statements is fixed: everything comes from aggregates (one ``GROUP BY``
for every value count of this poll and the previous one, one ``LIMIT``ed random sample of open
answers), so the card costs the same with 100 or 100,000 stored answers (``bench/poll_results.py``).
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from forum.polls.definition import MIN_GROUP_FLOOR, QuestionKind
from forum.polls.model import Poll, Question, load_poll, poll_of
from storage.polls import repository as repo

logger = logging.getLogger(__name__)

_shuffle = random.SystemRandom().shuffle
OPEN_SAMPLE = 25
"""Open answers shown per question on the card (a random sample; the export has them all)."""


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    distribution: tuple[tuple[int, int], ...] | None
    """(value, how many) for every value of the scale or option; None while hidden (too few)."""
    mean: float | None
    texts: tuple[str, ...] = ()
    """Open answers, a random sample in random order."""

    @property
    def hidden(self) -> bool:
        return self.distribution is None and self.question.kind is not QuestionKind.OPEN


@dataclass(frozen=True)
class Comparison:
    label: str
    """The earlier round: an imported label ("2018–2019") or the earlier poll's title."""
    means: Mapping[int, float]
    """This poll's question id → the earlier round's mean for the same statement."""
    from_poll: int | None = None


@dataclass(frozen=True)
class PollResults:
    poll: Poll
    respondents: int
    questions: tuple[QuestionResult, ...]
    comparison: Comparison | None = None

    @property
    def minimum(self) -> int:
        return max(self.poll.min_group, MIN_GROUP_FLOOR)

    @property
    def shown(self) -> bool:
        return self.respondents >= self.minimum

    def result(self, question_id: int) -> QuestionResult | None:
        return next((r for r in self.questions if r.question.id == question_id), None)


def _mean(distribution: Sequence[tuple[int, int]]) -> float | None:
    total = sum(count for _, count in distribution)
    return sum(value * count for value, count in distribution) / total if total else None


def summarise(
    poll: Poll,
    respondents: int,
    counts: Sequence[tuple[int, int, int]],
    open_counts: Mapping[int, int],
    open_texts: Sequence[tuple[int, str]],
) -> tuple[QuestionResult, ...]:
    """The per-question results from the aggregates, with everything below the minimum hidden."""
    minimum = max(poll.min_group, MIN_GROUP_FLOOR)
    by_question: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, value, count in counts:
        by_question[question_id][value] = count
    texts: dict[int, list[str]] = defaultdict(list)
    for question_id, answer in open_texts:
        texts[question_id].append(answer)
    results: list[QuestionResult] = []
    for question in poll.questions:
        if question.kind is QuestionKind.OPEN:
            answered = open_counts.get(question.id, 0)
            shown = respondents >= minimum and answered > 0
            results.append(QuestionResult(question, answered, None, None, tuple(texts[question.id]) if shown else ()))
            continue
        values = by_question.get(question.id, {})
        distribution = tuple((value, values.get(value, 0)) for value in question.values)
        answered = sum(count for _, count in distribution)
        if respondents < minimum or answered < minimum:
            results.append(QuestionResult(question, answered, None, None))
            continue
        mean = _mean(distribution) if question.kind is QuestionKind.SCALE else None
        results.append(QuestionResult(question, answered, distribution, mean))
    return tuple(results)


async def poll_results(session: AsyncSession, poll_id: int) -> PollResults:
    poll = await load_poll(session, poll_id)
    respondents = await repo.response_count(session, poll.id)
    counts, open_counts = _split(await repo.value_counts(session, [q.id for q in poll.questions]))
    open_ids = [q.id for q in poll.questions if q.kind is QuestionKind.OPEN]
    open_texts = list(await repo.open_sample(session, open_ids, OPEN_SAMPLE)) if respondents >= poll.min_group else []
    _shuffle(open_texts)
    questions = summarise(poll, respondents, counts, open_counts, open_texts)
    return PollResults(poll, respondents, questions, await comparison_for(session, poll))


def _split(rows: Sequence[tuple[int, int | None, int]]) -> tuple[list[tuple[int, int, int]], dict[int, int]]:
    """Value counts of scale and choice answers, and how many open answers each question has."""
    values = [(q, v, n) for q, v, n in rows if v is not None]
    return values, {q: n for q, v, n in rows if v is None}


async def comparison_for(session: AsyncSession, poll: Poll) -> Comparison | None:
    """The latest earlier round with the same statements: a closed poll of the forum, else an import."""
    keys = {q.key: q.id for q in poll.statements}
    if not keys:
        return None
    earlier = await repo.closed_polls_before(session, poll.forum_id, poll.number)
    questions = await repo.questions_of(session, [row.id for row in earlier])
    candidates = [poll_of(row, questions) for row in earlier]
    candidates = [c for c in candidates if {q.key for q in c.statements} == set(keys)]
    if candidates:
        previous = candidates[0]
        counts, _ = _split(await repo.value_counts(session, [q.id for q in previous.statements]))
        respondents = await repo.response_count(session, previous.id)
        summary = summarise(previous, respondents, counts, {}, [])
        means = {keys[r.question.key]: r.mean for r in summary if r.mean is not None}
        if means:
            return Comparison(_title_fi(previous), means, from_poll=previous.number)
    baselines = await repo.baselines_of(session, poll.forum_id)
    by_label: dict[str, dict[str, float]] = defaultdict(dict)
    positions: dict[str, dict[int, float]] = defaultdict(dict)
    for row in baselines:  # newest import first
        by_label[row.label][row.statement_key] = row.mean
        positions[row.label][row.position] = row.mean
    for label, found in by_label.items():
        means = {keys[key]: mean for key, mean in found.items() if key in keys}
        if len(means) < len(keys):  # by number when the import named statements by their position
            by_position = {
                q.id: positions[label][q.position] for q in poll.statements if q.position in positions[label]
            }
            means = means if len(means) >= len(by_position) else by_position
        if len(means) == len(keys):
            return Comparison(label, means)
    return None


def _title_fi(poll: Poll) -> str:
    title = poll.title.get("fi") or next(iter(poll.title.values()), "")
    year = poll.closed_at.year if poll.closed_at else None
    return f"{title} ({year})" if year else title
