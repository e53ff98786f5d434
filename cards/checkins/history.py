"""A museum's check-ins over time (``kuulumiset MUSEO``): shared ones for all, every one for its people."""

from __future__ import annotations

from collections.abc import Sequence

from cards.checkins.parts import checkin_lines
from cards.elements import Element, adaptive_card, container, heading, text
from forum.checkins.model import CheckinView
from forum.i18n import N_, format_when, tr

HISTORY_LIMIT = 20
"""The newest answers; a long history would pass Teams' message size."""


def history_card(
    museum: str, checkins: Sequence[CheckinView], everything: bool, locale: str, time_zone: str
) -> Element:
    body: list[Element] = [
        heading(tr(locale, "checkin.history.title", museum=museum)),
        text(
            tr(locale, N_("checkin.history.all") if everything else N_("checkin.history.shared_only")), is_subtle=True
        ),
    ]
    if not checkins:
        body.append(text(tr(locale, "checkin.history.empty")))
    for checkin in list(checkins)[:HISTORY_LIMIT]:
        stamp = format_when(checkin.answered_at, locale, time_zone)
        flags = [] if checkin.shared else [tr(locale, "checkin.history.unshared")]
        if checkin.author is None:
            flags.append(tr(locale, "checkin.history.anonymous", museum=museum))
        items: list[Element] = [text(" · ".join([stamp, *flags]), is_subtle=True, size="Small")]
        items.extend(checkin_lines(checkin, locale, limit=400))
        for friend, reply in checkin.replies:
            items.append(text(tr(locale, "checkin.friend.reply_line", museum=friend, text=reply), spacing="None"))
        body.append(container(items, spacing="Medium"))
    return adaptive_card(body)
