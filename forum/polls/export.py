"""The poll's export for the report: results and raw answers as CSV (Finnish Excel) and XLSX.

Why these CSV choices: a Finnish Excel opens a file by double click only with ``;`` between
fields, a decimal comma and UTF-8 announced by a BOM. A cell beginning with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return) would run as a formula there, so it gets a
leading apostrophe (OWASP's "CSV injection" advice). The XLSX (openpyxl) writes the same
tables, numbers as numbers, text cells escaped the same way.

Anonymous answers carry no identity at all, and below the poll's minimum group size no raw
answer is exported. Rows follow the responses' random ids, so their order says nothing.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from forum.i18n import format_number, tr
from forum.polls.definition import QuestionKind, text_in
from forum.polls.results import PollResults, poll_results
from storage.polls import repository as repo

logger = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class PollExport:
    results: Table
    answers: Table


def escape_formula(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def results_table(results: PollResults, locale: str) -> Table:
    poll = results.poll
    highest = max((q.scale[1] for q in poll.statements if q.scale), default=5)
    lowest = min((q.scale[0] for q in poll.statements if q.scale), default=0)
    header = [
        tr(locale, "poll.export.col.number"),
        tr(locale, "poll.export.col.question"),
        tr(locale, "poll.export.col.answers"),
        tr(locale, "poll.export.col.mean"),
        *[str(v) for v in range(lowest, highest + 1)],
    ]
    label = results.comparison.label if results.comparison else None
    if label:
        header.append(tr(locale, "poll.export.col.earlier", label=label))
    rows: list[tuple[Cell, ...]] = []
    for result in results.questions:
        question = result.question
        if question.kind is QuestionKind.OPEN:
            continue
        counts: dict[int, int] = dict(result.distribution or ())
        row: list[Cell] = [
            question.position,
            text_in(question.text, locale),
            result.answered if results.shown else None,
        ]
        row.append(round(result.mean, 2) if result.mean is not None else None)
        if question.kind is QuestionKind.SCALE:
            row.extend(counts.get(v) if result.distribution is not None else None for v in range(lowest, highest + 1))
        else:
            row.extend(None for _ in range(lowest, highest + 1))
        if label and results.comparison is not None:
            earlier = results.comparison.means.get(question.id)
            row.append(round(earlier, 2) if earlier is not None else None)
        rows.append(tuple(row))
        if question.kind is QuestionKind.CHOICE and result.distribution is not None:
            for value, count in result.distribution:
                rows.append((None, f"  {question.label(value, locale)}", count, None, *[None] * (highest - lowest + 1)))
    return Table(tr(locale, "poll.export.sheet.results"), tuple(header), tuple(rows))


async def answers_table(session: AsyncSession, results: PollResults, locale: str) -> Table:
    poll = results.poll
    header = [tr(locale, "poll.export.col.response")]
    if not poll.anonymous:
        header.append(tr(locale, "poll.export.col.name"))
    header.extend(f"{q.position}. {text_in(q.text, locale)}" for q in poll.questions)
    if not results.shown:
        return Table(tr(locale, "poll.export.sheet.answers"), tuple(header), ())
    by_response: dict[str, dict[int, Cell]] = defaultdict(dict)
    participants: dict[str, int | None] = {}
    for response_id, participant_id, question_id, value, answer in await repo.all_answers(session, poll.id):
        question = poll.question(question_id)
        if question is None:
            continue
        if question.kind is QuestionKind.CHOICE and value is not None:
            by_response[response_id][question_id] = question.label(value, locale)
        else:
            by_response[response_id][question_id] = answer if answer is not None else value
        participants[response_id] = participant_id
    names = {} if poll.anonymous else await repo.participant_names(session, [p for p in participants.values() if p])
    rows: list[tuple[Cell, ...]] = []
    for number, (response_id, answers) in enumerate(sorted(by_response.items()), start=1):
        row: list[Cell] = [number]
        if not poll.anonymous:
            row.append(names.get(participants[response_id] or 0, ""))
        row.extend(answers.get(q.id) for q in poll.questions)
        rows.append(tuple(row))
    return Table(tr(locale, "poll.export.sheet.answers"), tuple(header), tuple(rows))


async def build_export(session: AsyncSession, poll_id: int, locale: str) -> PollExport:
    results = await poll_results(session, poll_id)
    return PollExport(results_table(results, locale), await answers_table(session, results, locale))


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value, "fi", 2)
    if isinstance(value, int):
        return str(value)
    return escape_formula(value)


def to_csv(table: Table) -> bytes:
    """``;``-separated, decimal comma, CRLF, UTF-8 with a BOM: opens right in a Finnish Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([escape_formula(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append([escape_formula(h) for h in table.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([escape_formula(v) if isinstance(v, str) else v for v in row])
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever it begins with
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
        sheet.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
