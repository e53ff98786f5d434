"""What the meeting commands and buttons both need: cards for one reader, private delivery.

Why private delivery: a preview, a form or the names list is for one person's
eyes. Asked for in the channel, it goes to the person's 1:1 chat through the
outbox (which opens the chat if there is none yet) and the channel only
hears "sent to your chat".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from botbuilder.core import TurnContext

from bot.turn import TurnInfo, send_card
from cards.elements import Element
from cards.meetings.activities import MeetingCards, card_message
from cards.meetings.announcement import AnnouncementView, announcement_card
from cards.meetings.preview import meeting_preview_card
from forum.i18n import tr
from forum.meetings.hooks import ProgrammeHooks
from forum.meetings.model import MAX_MEETING_NUMBER
from forum.meetings.service import MeetingService, MeetingStanding
from forum.untrusted import parse_int
from storage.types import utcnow

logger = logging.getLogger(__name__)

Kick = Callable[[], None]
"""Wakes the outbox worker after a commit, so a queued message goes out within a second."""


@dataclass(frozen=True)
class MeetingFeatureParts:
    service: MeetingService
    cards: MeetingCards
    kick: Kick
    kick_soon: Kick | None = None
    """For the channel card's updates: a moment later, so a burst of answers is one update
    (``CARD_UPDATE_DELAY_SECONDS``); ``kick`` when not given."""
    hooks: ProgrammeHooks = field(default_factory=ProgrammeHooks)
    """Where the wings built on the programme (check-ins) register what follows it."""


class MeetingReplies:
    def __init__(self, parts: MeetingFeatureParts) -> None:
        self.service = parts.service
        self.cards = parts.cards
        self.kick = parts.kick
        self.kick_soon = parts.kick_soon or parts.kick

    def personal_card(
        self, standing: MeetingStanding, turn: TurnInfo, note: str | None = None, *, warning: bool = False
    ) -> Element:
        """The announcement as this person sees it: their answer, in their language."""
        view = AnnouncementView(
            counts=standing.counts,
            calendar_url=self.cards.calendar_url(standing.meeting, turn.locale),
            answer=standing.answer,
            for_person=True,
            now=utcnow(),
            note=note,
            note_is_warning=warning,
        )
        return announcement_card(standing.meeting, view, turn.locale, turn.time_zone)

    def preview_card(self, standing: MeetingStanding, turn: TurnInfo, note: str | None = None) -> Element:
        view = AnnouncementView(
            counts=standing.counts, calendar_url=self.cards.calendar_url(standing.meeting, turn.locale)
        )
        return meeting_preview_card(standing.meeting, view, turn.locale, turn.time_zone, note=note)

    async def send_privately(
        self, turn_context: TurnContext, turn: TurnInfo, card: Element, *, purpose: str, summary: str
    ) -> None:
        """Reply here in a 1:1; from a channel, queue it for the person's 1:1 and say so.

        The queued message's key includes the incoming activity's id, so
        Teams delivering the same request twice sends one message.
        """
        if turn.is_personal:
            await send_card(turn_context, card)
            return
        activity_id = turn_context.activity.id or "-"
        await self.service.deliver_privately(
            key=f"private:{purpose}:person:{turn.actor.person.id}:{activity_id}",
            purpose=purpose,
            forum_id=turn.forum_id,
            person_id=turn.actor.person.id,
            activity=card_message(card, summary),
        )
        self.kick()
        await turn_context.send_activity(tr(turn.locale, "meeting.sent_privately"))


def parse_meeting_number(argument: str) -> int | None:
    """``3``, ``#3`` or ``nro 3`` → 3; anything else → None."""
    words = argument.replace("#", " ").split()
    # ``str.isdigit`` says yes to '²' and '①' (which ``int`` refuses): only ASCII digits count.
    numbers = [number for number in map(_meeting_number, words) if number is not None]
    looks_numeric = [word for word in words if word.isdigit()]
    if len(numbers) != 1 or len(looks_numeric) != 1:
        return None
    return numbers[0]


def _meeting_number(word: str) -> int | None:
    return parse_int(word, minimum=1, maximum=MAX_MEETING_NUMBER)


def wants_reply_card(turn_context: TurnContext, turn: TurnInfo) -> bool:
    """A returned card replaces the pressed one: right for an Execute (only the
    presser's view changes) and in a 1:1, wrong for a Submit in a channel,
    where it would replace the shared card for everyone."""
    return turn_context.activity.type == "invoke" or turn.is_personal
