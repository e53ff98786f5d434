"""The card the bot posts in the General channel when it joins a team."""

from __future__ import annotations

from cards.elements import Element, adaptive_card, heading, text
from forum.i18n import tr


def welcome_card(locale: str, member_count: int) -> Element:
    body = [
        heading(tr(locale, "welcome.title")),
        text(tr(locale, "welcome.body")),
        text(tr(locale, "welcome.start")),
    ]
    if member_count:
        body.append(text(tr(locale, "welcome.members", count=member_count), is_subtle=True, size="Small"))
    return adaptive_card(body)
