"""Poll cards wrapped as message activities for the outbox (the ``forum.polls.renderer.PollRenderer``)."""

from __future__ import annotations

from typing import Any

from cards.elements import Element, attachment
from cards.polls.card import PollCardView, poll_card, title_of
from cards.polls.results import results_card
from forum.i18n import tr
from forum.polls.model import Poll
from forum.polls.results import PollResults


def card_message(card: Element, summary: str) -> dict[str, Any]:
    return {"type": "message", "summary": summary, "attachments": [attachment(card)]}


class PollCards:
    def channel_card(
        self, poll: Poll, respondents: int, *, refresh_user_ids: list[str] | None, locale: str, time_zone: str
    ) -> dict[str, Any]:
        view = PollCardView(respondents=respondents, refresh_user_ids=refresh_user_ids)
        return card_message(poll_card(poll, view, locale, time_zone), title_of(poll, locale))

    def personal_card(
        self, poll: Poll, respondents: int, *, reminder: bool, locale: str, time_zone: str
    ) -> dict[str, Any]:
        banner = tr(locale, "poll.nudge.note") if reminder and poll.is_open else None
        view = PollCardView(respondents=respondents, refresh_user_ids=None if poll.is_open else [], banner=banner)
        summary = tr(locale, "poll.nudge.summary", title=title_of(poll, locale)) if banner else title_of(poll, locale)
        return card_message(poll_card(poll, view, locale, time_zone), summary)

    def results_card(
        self, results: PollResults, *, chart_url: str | None, locale: str, time_zone: str
    ) -> dict[str, Any]:
        del time_zone
        summary = tr(locale, "poll.results.summary", title=title_of(results.poll, locale))
        return card_message(results_card(results, locale, chart_url=chart_url), summary)
