"""The results card (like the slide: the mean per statement) and the same chart as a PNG.

Per statement: the mean, the number of answers and the distribution as a
``Chart.HorizontalBar`` with text bars as its fallback (Teams on iOS draws no charts); with an
earlier round, the means side by side in a ``Chart.VerticalBar.Grouped`` (a horizontal bar
chart takes one series). Open answers are a random sample in random order, each cut short
so the card stays under Teams' 40 KB. Nothing shows below the poll's minimum group size.
"""

from __future__ import annotations

from cards.charts import bar_chart_png, grouped_vertical_bar, horizontal_bar, text_bars
from cards.elements import Element, adaptive_card, container, heading, open_url, text
from cards.polls.card import title_of
from forum.i18n import format_number, tr
from forum.polls.definition import QuestionKind, text_in
from forum.polls.results import PollResults, QuestionResult

CARD_OPEN_ANSWERS = 10
CARD_OPEN_LENGTH = 280


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _distribution(result: QuestionResult, locale: str) -> Element:
    points = [(result.question.label(v, locale), float(n)) for v, n in result.distribution or ()]
    fallback = text(
        text_bars([(label, int(n)) for label, n in points], scale_max=max(result.answered, 1)), size="Small"
    )
    return horizontal_bar(tr(locale, "poll.results.distribution"), points, fallback)


def _statement(result: QuestionResult, results: PollResults, locale: str) -> Element:
    question = result.question
    number = f"{question.position}.\u00a0" if question.kind is QuestionKind.SCALE else ""
    items: list[Element] = [text(f"{number}{text_in(question.text, locale)}", weight="Bolder")]
    if result.distribution is None:
        items.append(text(tr(locale, "poll.results.too_few", minimum=results.minimum), is_subtle=True, spacing="None"))
        return container(items, spacing="Medium")
    if result.mean is not None:
        line = tr(locale, "poll.results.mean", mean=format_number(result.mean, locale), count=result.answered)
        earlier = results.comparison.means.get(question.id) if results.comparison else None
        if earlier is not None and results.comparison is not None:
            line += " · " + tr(
                locale, "poll.results.earlier", label=results.comparison.label, mean=format_number(earlier, locale)
            )
        items.append(text(line, spacing="None"))
    else:
        items.append(text(tr(locale, "poll.results.count", count=result.answered), spacing="None"))
    items.append(_distribution(result, locale))
    return container(items, spacing="Medium")


def _comparison(results: PollResults, locale: str) -> Element | None:
    comparison = results.comparison
    if comparison is None:
        return None
    rows = [
        (r, comparison.means[r.question.id])
        for r in results.questions
        if r.mean is not None and r.question.id in comparison.means
    ]
    if not rows:
        return None
    now_label = tr(locale, "poll.results.this_round")
    series = [
        (comparison.label, [(str(r.question.position), round(earlier, 2)) for r, earlier in rows]),
        (now_label, [(str(r.question.position), round(float(r.mean or 0.0), 2)) for r, _ in rows]),
    ]
    lines = [
        tr(
            locale,
            "poll.results.compare_line",
            number=r.question.position,
            mean=format_number(float(r.mean or 0.0), locale),
            label=comparison.label,
            earlier=format_number(earlier, locale),
        )
        for r, earlier in rows
    ]
    fallback = text("\n\n".join(lines), size="Small")
    return container(
        [
            text(tr(locale, "poll.results.compare_title", label=comparison.label), weight="Bolder"),
            grouped_vertical_bar(tr(locale, "poll.results.means"), series, fallback),
        ],
        spacing="Large",
    )


def _open(result: QuestionResult, locale: str) -> Element:
    items: list[Element] = [text(text_in(result.question.text, locale), weight="Bolder")]
    shown = result.texts[:CARD_OPEN_ANSWERS]
    if not shown:
        items.append(text(tr(locale, "poll.results.no_open"), is_subtle=True, spacing="None"))
    items.extend(text(f"“{_short(answer, CARD_OPEN_LENGTH)}”", spacing="Small") for answer in shown)
    if result.answered > len(shown) and shown:
        items.append(text(tr(locale, "poll.results.more", count=result.answered - len(shown)), is_subtle=True))
    return container(items, spacing="Medium")


def results_card(results: PollResults, locale: str, *, chart_url: str | None = None) -> Element:
    poll = results.poll
    body: list[Element] = [
        text(tr(locale, "poll.results.kicker", number=poll.number), is_subtle=True),
        heading(title_of(poll, locale)),
        text(tr(locale, "poll.results.respondents", count=results.respondents), spacing="None"),
    ]
    if not results.shown:
        body.append(text(tr(locale, "poll.results.hidden", minimum=results.minimum), weight="Bolder"))
        return adaptive_card(body, full_width=True)
    if poll.anonymous:
        body.append(text(tr(locale, "poll.results.anonymous"), is_subtle=True, spacing="None"))
    body.extend(_statement(r, results, locale) for r in results.questions if r.question.kind is not QuestionKind.OPEN)
    comparison = _comparison(results, locale)
    if comparison is not None:
        body.append(comparison)
    opens = [r for r in results.questions if r.question.kind is QuestionKind.OPEN]
    if opens:
        body.append(text(tr(locale, "poll.results.open_title"), size="Medium", weight="Bolder", spacing="Large"))
        body.extend(_open(r, locale) for r in opens)
    actions = [open_url(tr(locale, "poll.results.png"), chart_url)] if chart_url else None
    return adaptive_card(body, actions, full_width=True)


def results_png(results: PollResults, locale: str) -> bytes:
    """The means per statement as on the slide, with the earlier round beside them when there is one."""
    rows = [r for r in results.questions if r.mean is not None]
    labels = [f"{r.question.position}. {text_in(r.question.text, locale)}" for r in rows]
    series: list[tuple[str, list[float | None]]] = [(tr(locale, "poll.results.this_round"), [r.mean for r in rows])]
    if results.comparison is not None:
        series.append((results.comparison.label, [results.comparison.means.get(r.question.id) for r in rows]))
    scale = max((r.question.scale[1] for r in rows if r.question.scale), default=5)
    title = f"{title_of(results.poll, locale)} ({tr(locale, 'poll.results.respondents', count=results.respondents)})"
    return bar_chart_png(
        title,
        labels,
        series,
        scale=(0, float(scale)),
        value_format=lambda value: format_number(value, locale),
    )
