"""What the poll logic needs drawn, without knowing how cards are built (``cards/polls`` does)."""

from __future__ import annotations

from typing import Any, Protocol

from forum.polls.model import Poll
from forum.polls.results import PollResults

Activity = dict[str, Any]


class PollRenderer(Protocol):
    def channel_card(
        self, poll: Poll, respondents: int, *, refresh_user_ids: list[str] | None, locale: str, time_zone: str
    ) -> Activity:
        """The shared card in the channel: the questions, how many answered, never the results.

        ``refresh_user_ids``: None refreshes for everyone, a list for those listed, ``[]`` no refresh."""
        ...

    def personal_card(self, poll: Poll, respondents: int, *, reminder: bool, locale: str, time_zone: str) -> Activity:
        """The card in one participant's 1:1 (a copy, or the one reminder): as the channel's,
        refreshed for its one reader while open, so they see their own answers."""
        ...

    def results_card(self, results: PollResults, *, chart_url: str | None, locale: str, time_zone: str) -> Activity:
        """The results in the channel once the poll has closed."""
        ...
