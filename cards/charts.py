"""Teams chart elements for cards, their check, and the same chart drawn as a PNG.

Why a check of its own: Teams' charts (``Chart.HorizontalBar``, ``Chart.VerticalBar.Grouped``)
are not in the Adaptive Card 1.5 schema, so a card carrying one fails the schema as it is.
:func:`card_errors_with_charts` checks each chart's own properties, puts its ``fallback`` (which
every chart must have: Teams on iOS draws no charts) in its place, and checks the rest of the
card against the schema and the size limit like any other card.

Why a PNG too: coordinators put the result on their slides; matplotlib (Agg, no display) draws
the same means as the card, side by side with the earlier round when there is one.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Sequence
from typing import Any

from cards.elements import Element
from cards.validation import card_errors

HORIZONTAL_BAR = "Chart.HorizontalBar"
GROUPED_VERTICAL_BAR = "Chart.VerticalBar.Grouped"
CHART_TYPES = frozenset({HORIZONTAL_BAR, GROUPED_VERTICAL_BAR})
_COMMON_KEYS = frozenset({"type", "title", "colorSet", "fallback", "id", "spacing", "separator", "height", "isVisible"})
_KEYS = {
    HORIZONTAL_BAR: _COMMON_KEYS | {"data", "xAxisTitle", "yAxisTitle", "displayMode", "color"},
    GROUPED_VERTICAL_BAR: _COMMON_KEYS | {"data", "xAxisTitle", "yAxisTitle", "showBarValues", "stacked"},
}
MAX_CARD_UTF16_BYTES = 40 * 1024
"""Teams' message limit, counted as Teams does (UTF-16)."""


def horizontal_bar(title: str, points: Sequence[tuple[str, float]], fallback: Element, *, x_title: str = "") -> Element:
    element: Element = {
        "type": HORIZONTAL_BAR,
        "title": title,
        "colorSet": "categorical",
        "displayMode": "AbsoluteWithAxis",
        "data": [{"x": label, "y": value} for label, value in points],
        "fallback": fallback,
    }
    if x_title:
        element["xAxisTitle"] = x_title
    return element


def grouped_vertical_bar(
    title: str, series: Sequence[tuple[str, Sequence[tuple[str, float]]]], fallback: Element
) -> Element:
    return {
        "type": GROUPED_VERTICAL_BAR,
        "title": title,
        "colorSet": "categorical",
        "showBarValues": True,
        "data": [{"legend": legend, "values": [{"x": x, "y": y} for x, y in points]} for legend, points in series],
        "fallback": fallback,
    }


def text_bars(points: Sequence[tuple[str, float]], *, scale_max: float, width: int = 12) -> str:
    """The fallback: one line per point, ``"3 ████░░ 4"``, in a monospace-free way Teams shows."""
    lines = []
    for label, value in points:
        filled = round(width * value / scale_max) if scale_max else 0
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        lines.append(f"{label} {'█' * filled}{'░' * (width - filled)} {shown}")
    return "\n\n".join(lines)


def chart_errors(element: Element, where: str = "") -> list[str]:
    """Problems with one chart element's Teams properties."""
    kind = element.get("type")
    problems = [f"{where}{key}: not a {kind} property" for key in sorted(set(element) - _KEYS.get(str(kind), set()))]
    fallback = element.get("fallback")
    if not isinstance(fallback, dict) or str(fallback.get("type", "")).startswith("Chart."):
        problems.append(f"{where}fallback: a chart needs a fallback element the schema accepts")
    data = element.get("data")
    if not isinstance(data, list) or not data:
        problems.append(f"{where}data: must be a non-empty list")
        return problems
    for index, item in enumerate(data):
        if kind == HORIZONTAL_BAR:
            ok = isinstance(item, dict) and isinstance(item.get("x"), str) and _number(item.get("y"))
        else:
            values = item.get("values") if isinstance(item, dict) else None
            ok = (
                isinstance(item, dict)
                and isinstance(item.get("legend"), str)
                and isinstance(values, list)
                and all(isinstance(v, dict) and isinstance(v.get("x"), str) and _number(v.get("y")) for v in values)
            )
        if not ok:
            problems.append(f"{where}data/{index}: malformed data point")
    return problems


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def without_charts(node: Any, problems: list[str], where: str = "") -> Any:
    """A copy of ``node`` with each chart checked and replaced by its fallback."""
    if isinstance(node, dict):
        if node.get("type") in CHART_TYPES:
            problems.extend(chart_errors(node, f"{where}/"))
            fallback = node.get("fallback")
            return without_charts(fallback, problems, where) if isinstance(fallback, dict) else {}
        return {key: without_charts(value, problems, f"{where}/{key}") for key, value in node.items()}
    if isinstance(node, list):
        return [without_charts(item, problems, f"{where}/{index}") for index, item in enumerate(node)]
    return node


def utf16_size(card: Element) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))


def card_errors_with_charts(card: Element) -> list[str]:
    """Every problem of a card that may carry Teams charts; empty when valid."""
    problems: list[str] = []
    standard = without_charts(card, problems)
    problems.extend(card_errors(standard))
    size = utf16_size(card)
    if size > MAX_CARD_UTF16_BYTES:
        problems.append(f"card is {size} bytes in UTF-16, over {MAX_CARD_UTF16_BYTES}")
    return problems


def bar_chart_png(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    scale: tuple[float, float],
    value_format: Any = "{:.1f}",
) -> bytes:
    """Horizontal bars, one group per label (the slide's "mean per statement"), as PNG bytes.

    The first series is drawn first in each group and in the strong colour (this round)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    wrapped = ["\n".join(textwrap.wrap(label, 60)) for label in labels]
    rows = max(len(labels), 1)
    figure = Figure(figsize=(11, 1.0 + 0.85 * rows * max(1, len(series)) ** 0.5), dpi=120)
    axes = figure.add_subplot()
    height = 0.8 / max(len(series), 1)
    colors = ("#1f5aa6", "#b0b7c3", "#e08a2c", "#4a9a5a")
    for index, (legend, values) in enumerate(series):
        positions = [row + index * height - 0.4 + height / 2 for row in range(rows)]
        numbers = [value if value is not None else 0.0 for value in values]
        bars = axes.barh(positions, numbers, height=height * 0.95, label=legend, color=colors[index % len(colors)])
        for bar, value in zip(bars, values, strict=False):
            if value is not None:
                axes.text(
                    bar.get_width() + 0.05,
                    bar.get_y() + bar.get_height() / 2,
                    value_format(value) if callable(value_format) else value_format.format(value),
                    va="center",
                    fontsize=9,
                )
    axes.set_yticks(list(range(rows)), wrapped, fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(scale[0], scale[1] + 0.4)
    axes.set_title(title, fontsize=12, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(loc="lower right", fontsize=9, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
