"""The poll's signed links: its chart PNG (on the results card) and its export (for a coordinator).

Why signed and not stored: a link must work on any replica without a row per link, and must
not be guessable or editable into another poll's. The export link lives 15 minutes (it is
sent to one coordinator); the chart link 30 days (it sits on the results card in the channel,
and ``kysely tulokset N`` gives a fresh one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from forum.signing import InvalidLinkError, LinkSigner

EXPORT_PURPOSE = "poll-export"
CHART_PURPOSE = "poll-chart"
EXPORT_LIFETIME = timedelta(minutes=15)
CHART_LIFETIME = timedelta(days=30)
EXPORT_PATH = "/polls/export"
CHART_PATH = "/polls/chart"
EXPORT_FILES = ("results.csv", "answers.csv", "report.xlsx")


def _binding(poll_id: int) -> str:
    return f"poll:{poll_id}"


@dataclass(frozen=True)
class PollLinks:
    base_url: str
    signer: LinkSigner

    def chart_url(self, poll_id: int, number: int, now: datetime) -> str:
        token = self.signer.sign(
            CHART_PURPOSE, str(poll_id), now=now, lifetime=CHART_LIFETIME, binding=_binding(poll_id)
        )
        return f"{self.base_url.rstrip('/')}{CHART_PATH}/{token}/poll-{number}.png"

    def export_urls(self, poll_id: int, now: datetime) -> dict[str, str]:
        token = self.signer.sign(
            EXPORT_PURPOSE, str(poll_id), now=now, lifetime=EXPORT_LIFETIME, binding=_binding(poll_id)
        )
        return {name: f"{self.base_url.rstrip('/')}{EXPORT_PATH}/{token}/{name}" for name in EXPORT_FILES}

    def verify(self, purpose: str, token: str, now: datetime) -> int:
        """The poll id a genuine, unexpired token names; ``InvalidLinkError`` otherwise."""
        subject = self.signer.peek(token)
        if not subject.isdigit():
            raise InvalidLinkError("not a poll link")
        return int(self.signer.verify(purpose, token, now=now, binding=_binding(int(subject))).subject)
