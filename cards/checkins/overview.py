"""The coordinators' overview card: response rate per round, then museum by museum.

Why the figures are also text: Teams on iOS draws no chart and may not show its
fallback either, so the rate of every round is on the card as words too.
"""

from __future__ import annotations

from cards.charts import horizontal_bar
from cards.checkins.parts import status_label
from cards.elements import Element, adaptive_card, container, facts, heading, text
from forum.checkins.model import Overview, RoundRate
from forum.i18n import N_, format_day, format_when, tr


def _round_label(rate: RoundRate, locale: str, time_zone: str) -> str:
    day = format_day(rate.round.opened_at or rate.round.opens_at, locale, time_zone)
    if rate.round.meeting_number is not None:
        return tr(locale, "checkin.overview.round_meeting", number=rate.round.meeting_number, day=day)
    return tr(locale, "checkin.overview.round_manual", day=day)


def rate_chart(overview: Overview, locale: str, time_zone: str) -> Element:
    """A ``Chart.HorizontalBar`` (Teams' chart element) with a plain-text fallback."""
    lines = [
        tr(
            locale,
            "checkin.overview.rate",
            label=_round_label(rate, locale, time_zone),
            answered=rate.answered_museums,
            museums=rate.museums,
            percent=rate.percent,
        )
        for rate in overview.rounds
    ]
    points = [(_round_label(rate, locale, time_zone), float(rate.percent)) for rate in overview.rounds]
    fallback = text("\n\n".join(lines) or tr(locale, "checkin.overview.no_rounds"))
    return horizontal_bar(
        tr(locale, "checkin.overview.chart_title"), points, fallback, x_title=tr(locale, "checkin.overview.chart_axis")
    )


def overview_card(overview: Overview, locale: str, time_zone: str) -> Element:
    body: list[Element] = [
        heading(tr(locale, "checkin.overview.title")),
        text(
            tr(locale, "checkin.overview.generated", when=format_when(overview.generated_at, locale, time_zone)),
            is_subtle=True,
            spacing="None",
        ),
    ]
    if not overview.rounds:
        body.append(text(tr(locale, "checkin.overview.no_rounds")))
        return adaptive_card(body)
    body.append(rate_chart(overview, locale, time_zone))
    figures = [
        (
            _round_label(rate, locale, time_zone),
            tr(
                locale,
                "checkin.overview.rate_short",
                answered=rate.answered_museums,
                museums=rate.museums,
                percent=rate.percent,
                people=rate.answered_people,
                everyone=rate.people,
            ),
        )
        for rate in overview.rounds
    ]
    body.append(
        container([text(tr(locale, "checkin.overview.rates"), weight="Bolder"), facts(figures)], spacing="Medium")
    )
    lines: list[Element] = [text(tr(locale, "checkin.overview.museums"), weight="Bolder")]
    for museum in overview.museums:
        current = museum.answered[0] if museum.answered else False
        previous = museum.answered[1] if len(museum.answered) > 1 else None
        marks = [tr(locale, N_("checkin.overview.answered") if current else N_("checkin.overview.silent"))]
        if previous is not None:
            marks.append(
                tr(locale, N_("checkin.overview.previous_yes") if previous else N_("checkin.overview.previous_no"))
            )
        if museum.stuck:
            marks.append(tr(locale, "checkin.overview.stuck"))
        if museum.days_since_last is not None:
            marks.append(tr(locale, "checkin.overview.days", days=museum.days_since_last))
        else:
            marks.append(tr(locale, "checkin.overview.never"))
        statuses = ", ".join(status_label(s, locale) for s in museum.statuses)
        color = "Attention" if museum.silent_rounds >= 2 or museum.stuck else ("Warning" if not current else None)
        lines.append(text(f"**{museum.museum}**: {' · '.join(marks)}", color=color, spacing="Small"))
        if statuses:
            lines.append(
                text(tr(locale, "checkin.overview.statuses", statuses=statuses), is_subtle=True, spacing="None")
            )
    body.append(container(lines, spacing="Medium"))
    return adaptive_card(body)
