"""Every poll card in fi, sv and en: valid Adaptive Card 1.5 (charts checked on their own), under
40 KB in UTF-16 even with the longest open answers, and as in its golden file; the PNG is a PNG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from cards.charts import MAX_CARD_UTF16_BYTES, card_errors_with_charts, chart_errors, utf16_size
from cards.polls.actions import answers_in
from cards.polls.activities import PollCards
from cards.polls.card import PollCardView, export_card, poll_card, polls_list_card, preview_card
from cards.polls.results import results_card, results_png
from forum.i18n import SUPPORTED_LOCALES
from forum.polls.definition import MAX_OPEN_ANSWER, QuestionKind, forum_survey, parse_quick_poll, statement_key
from forum.polls.model import Poll, PollStatus, Question
from forum.polls.results import Comparison, PollResults, summarise
from tests.support.golden import assert_matches_golden

ZONE = "Europe/Helsinki"
CLOSES = datetime(2025, 6, 24, 13, 0, tzinfo=UTC)


def as_poll(number: int, definition: Any, status: PollStatus = PollStatus.OPEN) -> Poll:
    questions = tuple(
        Question(number * 100 + i, i, q.kind, q.text, q.scale, q.options, statement_key(q.text))
        for i, q in enumerate(definition.questions, start=1)
    )
    return Poll(
        id=number, forum_id=1, number=number, title=definition.title, source=definition.source,
        anonymous=definition.anonymous, min_group=definition.min_group, status=status, opens_at=None,
        closes_at=CLOSES, opened_at=None, closed_at=CLOSES if status is PollStatus.CLOSED else None,
        card_key=None, questions=questions,
    )  # fmt: skip


SURVEY = as_poll(1, forum_survey())
CLOSED = replace(SURVEY, status=PollStatus.CLOSED)
QUICK = as_poll(2, parse_quick_poll('"Mikä työtapa auttoi eniten?" Sparraus / Kokeilut / Keskustelu nimellinen'))


def survey_results(open_length: int = 60, opens: int = 12) -> PollResults:
    counts = [(q.id, v, (q.position * 7 + v * 3) % 9) for q in CLOSED.statements for v in q.values]
    respondents = 38
    open_qs = [q for q in CLOSED.questions if q.kind is QuestionKind.OPEN]
    texts = [(q.id, f"Vastaus {n}: " + "vertaistuki " * (open_length // 12)) for q in open_qs for n in range(opens)]
    questions = summarise(CLOSED, respondents, counts, {q.id: 30 for q in open_qs}, texts)
    comparison = Comparison("2018–2019", {q.id: 3.0 + q.position / 10 for q in CLOSED.statements})
    return PollResults(CLOSED, respondents, questions, comparison)


def reminder_card(locale: str) -> dict[str, Any]:
    activity = PollCards().personal_card(SURVEY, 12, reminder=True, locale=locale, time_zone=ZONE)
    card: dict[str, Any] = activity["attachments"][0]["content"]
    return card


CARDS: dict[str, Callable[[str], dict[str, Any]]] = {
    "poll_channel": lambda loc: poll_card(SURVEY, PollCardView(respondents=12, refresh_user_ids=None), loc, ZONE),
    "poll_personal": lambda loc: poll_card(
        SURVEY,
        PollCardView(respondents=12, answers={101: 4, 108: "Vertaistuki"}, errors={109: "poll.invalid.too_long"}),
        loc,
        ZONE,
    ),
    "poll_closed": lambda loc: poll_card(CLOSED, PollCardView(respondents=38), loc, ZONE),
    "poll_quick_channel": lambda loc: poll_card(QUICK, PollCardView(respondents=0, refresh_user_ids=None), loc, ZONE),
    "poll_reminder": lambda loc: reminder_card(loc),
    "poll_preview": lambda loc: preview_card(replace(SURVEY, status=PollStatus.DRAFT), loc, ZONE),
    "poll_results": lambda loc: results_card(survey_results(), loc, chart_url="https://bot.example/polls/chart/t/poll-1.png"),
    "poll_results_hidden": lambda loc: results_card(PollResults(CLOSED, 3, summarise(CLOSED, 3, [], {}, [])), loc),
    "poll_list": lambda loc: polls_list_card([SURVEY, QUICK], {1: 12, 2: 0}, loc, coordinator=True),
    "poll_export": lambda loc: export_card(CLOSED, {"results.csv": "https://bot.example/x/results.csv"}, loc),
}  # fmt: skip


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid_small_and_golden(name: str, locale: str) -> None:
    card = CARDS[name](locale)
    assert card_errors_with_charts(card) == []
    assert_matches_golden(f"polls/{name}.{locale}", card)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_results_stay_under_40_kb_with_the_longest_open_answers(locale: str) -> None:
    card = results_card(survey_results(open_length=MAX_OPEN_ANSWER, opens=40), locale, chart_url="https://b.example/c")
    assert card_errors_with_charts(card) == []
    assert utf16_size(card) < MAX_CARD_UTF16_BYTES


def test_the_personal_card_with_the_longest_answers_stays_under_40_kb() -> None:
    answers: dict[int, int | str] = {
        q.id: "ä" * MAX_OPEN_ANSWER for q in SURVEY.questions if q.kind is QuestionKind.OPEN
    }
    card = poll_card(SURVEY, PollCardView(respondents=1, answers=answers), "fi", ZONE)
    assert card_errors_with_charts(card) == [] and utf16_size(card) < MAX_CARD_UTF16_BYTES


def test_a_chart_without_fallback_or_with_bad_data_is_caught() -> None:
    assert chart_errors({"type": "Chart.HorizontalBar", "data": [{"x": "1", "y": 2}]})
    assert chart_errors({"type": "Chart.HorizontalBar", "data": [{"x": 1}], "fallback": {"type": "TextBlock"}})
    assert chart_errors(
        {"type": "Chart.VerticalBar.Grouped", "data": [], "fallback": {"type": "TextBlock", "text": ""}}
    )


def test_every_text_is_translated_in_the_survey() -> None:
    texts = {loc: [q.text[loc] for q in SURVEY.questions] for loc in SUPPORTED_LOCALES}
    assert len(texts["fi"]) == 9 and all(len(set(t)) == 9 for t in texts.values())
    assert texts["fi"][7:] == ["Mikä oli antoisinta?", "Opittua"]
    assert texts["sv"] != texts["fi"] != texts["en"]


def test_card_inputs_are_read_back_strictly() -> None:
    assert answers_in({"verb": "poll.answer", "pollId": 1, "q12": "3", "q13": "teksti"}) == {12: "3", 13: "teksti"}
    assert answers_in({"q1x": "3"}) is None and answers_in({"q١": "3"}) is None and answers_in({"q1": {"a": 1}}) is None
    assert answers_in({"q1": "a\x00b"}) == {1: "ab"}


def test_the_png_is_drawn() -> None:
    png = results_png(survey_results(), "fi")
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
