"""Small pieces the check-in cards share: a round's title, status labels, a short excerpt."""

from __future__ import annotations

from cards.elements import Element, text
from forum.checkins.model import STATUS_LABELS, CheckinView, ExperimentStatus, RoundView
from forum.i18n import format_day, tr

EXCERPT_CHARS = 280


def round_title(round_view: RoundView | None, locale: str, time_zone: str) -> str:
    if round_view is None:
        return tr(locale, "checkin.round.none")
    closes = format_day(round_view.closes_at, locale, time_zone)
    if round_view.meeting_number is not None:
        return tr(locale, "checkin.round.before_meeting", number=round_view.meeting_number, closes=closes)
    return tr(locale, "checkin.round.until", closes=closes)


def status_label(status: ExperimentStatus | None, locale: str) -> str:
    return tr(locale, STATUS_LABELS[status]) if status is not None else "–"


def excerpt(value: str, limit: int = EXCERPT_CHARS) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def checkin_lines(checkin: CheckinView, locale: str, *, limit: int | None = None) -> list[Element]:
    """What a check-in says, as text blocks (shortened to ``limit`` characters when given)."""

    def cut(value: str) -> str:
        return excerpt(value, limit) if limit else value

    if checkin.nothing_to_report:
        return [text(tr(locale, "checkin.nothing.saved_text"), is_subtle=True)]
    title = checkin.experiment or tr(locale, "checkin.experiment.unnamed")
    lines: list[Element] = [
        text(f"**{title}** · {status_label(checkin.status, locale)}", spacing="Small"),
    ]
    for key, value in (
        ("checkin.field.tried", checkin.tried),
        ("checkin.field.learned", checkin.learned),
        ("checkin.field.help", checkin.help_wanted),
    ):
        if value:
            lines.append(text(f"{tr(locale, key)}: {cut(value)}", spacing="None"))
    return lines
