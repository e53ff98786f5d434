"""Earlier rounds' figures, imported for comparison (``manage.py import-poll-round``).

Why a CSV of statement, mean and count: the 2018–2019 round exists only as the slide's chart,
so its figures are typed in by hand. Each line is a statement (its Finnish text, or its number
in the survey), the mean and the number of answers; ``;`` or ``,`` between fields, a decimal
comma or point. Importing a label again replaces that round.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.polls.definition import forum_survey, statement_key
from storage.polls import repository as repo

MAX_LABEL = 64


@dataclass(frozen=True)
class BaselineRow:
    position: int
    statement: str
    mean: float
    count: int


class RoundFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_round(text: str) -> list[BaselineRow]:
    """Every line of the CSV, or ``RoundFileError`` with every problem (line numbers from 1)."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if ";" in first else ","
    problems: list[str] = []
    rows: list[BaselineRow] = []
    survey = [q.text["fi"] for q in forum_survey().questions if q.scale]
    for number, fields in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if number == 1 and not fields[0].strip().isdigit() and not re.search(r"\d", "".join(fields[1:])):
            continue  # a header line
        if len(fields) != 3:
            problems.append(f"line {number}: give statement, mean, count")
            continue
        statement, mean_text, count_text = (f.strip() for f in fields)
        try:
            mean = float(mean_text.replace(",", "."))
            count = int(count_text)
        except ValueError:
            problems.append(f"line {number}: the mean and count must be numbers")
            continue
        if not 0 <= mean <= 5 or count < 0:
            problems.append(f"line {number}: the mean is 0–5 and the count not negative")
            continue
        position = len(rows) + 1
        if statement.isdigit():
            position = int(statement)
            statement = survey[position - 1] if 1 <= position <= len(survey) else statement
        if not statement:
            problems.append(f"line {number}: the statement is empty")
            continue
        rows.append(BaselineRow(position, statement, mean, count))
    if not rows and not problems:
        problems.append("the file has no statements")
    if problems:
        raise RoundFileError(problems)
    return rows


async def import_round(session: AsyncSession, forum_id: int, label: str, rows: list[BaselineRow], now: datetime) -> int:
    label = label.strip()[:MAX_LABEL]
    if not label:
        raise RoundFileError(["the round needs a label, e.g. 2018-2019"])
    values = [
        {
            "position": row.position,
            "statement": row.statement,
            "statement_key": statement_key({"fi": row.statement}),
            "mean": row.mean,
            "count": row.count,
            "created_at": now,
        }
        for row in rows
    ]
    await repo.replace_baseline(session, forum_id, label, values)
    return len(values)
