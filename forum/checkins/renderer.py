"""What the check-in logic needs drawn, without knowing how cards are built (``cards/checkins``).

Why a protocol: the outbox renders the prompts, nudges, the digest and the critical
friends' messages at send time inside ``forum/``; the composition root hands in an object
that turns the wing's views into ready message activities.
"""

from __future__ import annotations

from typing import Any, Protocol

from forum.checkins.model import CheckinView, Digest, PromptView

Activity = dict[str, Any]


class CheckinRenderer(Protocol):
    def prompt(self, view: PromptView, *, locale: str, time_zone: str) -> Activity: ...

    def nudge(self, view: PromptView, *, locale: str, time_zone: str) -> Activity: ...

    def silent_museum(self, museum: str, rounds: int, *, locale: str) -> Activity: ...

    def digest(self, digest: Digest, *, locale: str, time_zone: str) -> Activity: ...

    def friend_checkin(self, checkin: CheckinView, *, locale: str, time_zone: str) -> Activity: ...

    def friend_reply(self, checkin: CheckinView, museum: str, text: str, *, locale: str) -> Activity: ...

    def member_claim(
        self, person: str, museum: str, participant_id: int, museum_id: int, *, locale: str
    ) -> Activity: ...
