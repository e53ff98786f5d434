"""Poll commands (``kyselyt``, ``kysely uusi``, ``kysely aloita N``, ``sulje``, ``tulokset``, ``vie``);
wired into the bot by ``bot/polls/context.py``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from botbuilder.core import TurnContext

from bot.turn import TurnInfo, send_card
from cards.elements import Element
from cards.polls.activities import card_message
from cards.polls.card import export_card, polls_list_card, preview_card, title_of
from cards.polls.results import results_card
from forum.i18n import N_, tr
from forum.polls.definition import QuickPollError, parse_quick_poll
from forum.polls.links import PollLinks
from forum.polls.model import Poll, PollNotFoundError
from forum.polls.service import PollService
from storage.types import utcnow

logger = logging.getLogger(__name__)

Kick = Callable[[], None]

USAGE_KEYS = {
    "poll_start": N_("poll.command.start.usage"),
    "poll_close": N_("poll.command.close.usage"),
    "poll_results": N_("poll.command.results.usage"),
    "poll_export": N_("poll.command.export.usage"),
}


@dataclass(frozen=True)
class PollFeatureParts:
    service: PollService
    links: PollLinks
    kick: Kick


def parse_number(argument: str) -> int | None:
    """``3`` or ``#3`` → 3; anything else (two numbers, letters, non-ASCII digits) → None."""
    words = argument.replace("#", " ").split()
    if len(words) != 1 or not (words[0].isascii() and words[0].isdigit()) or len(words[0]) > 6:
        return None
    return int(words[0])


class PollReplies:
    def __init__(self, parts: PollFeatureParts) -> None:
        self.service = parts.service
        self.links = parts.links
        self.kick = parts.kick

    async def send_privately(self, turn_context: TurnContext, turn: TurnInfo, card: Element, summary: str) -> None:
        """Reply here in a 1:1; from the channel, through the outbox to the person's 1:1."""
        if turn.is_personal:
            await send_card(turn_context, card)
            return
        activity_id = turn_context.activity.id or "-"
        await self.service.deliver_privately(
            key=f"private:poll:person:{turn.actor.person.id}:{activity_id}",
            forum_id=turn.forum_id,
            person_id=turn.actor.person.id,
            activity=card_message(card, summary),
        )
        self.kick()
        await turn_context.send_activity(tr(turn.locale, "poll.sent_privately"))


class PollCommands(PollReplies):
    async def list_polls(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        polls = await self.service.polls(turn.forum_id)
        counts = {p.id: await self.service.respondents(p.id) for p in polls if p.status.value != "draft"}
        await send_card(
            turn_context, polls_list_card(polls, counts, turn.locale, coordinator=turn.actor.is_coordinator)
        )

    async def new_poll(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        try:
            definition = parse_quick_poll(argument)
        except QuickPollError:
            await turn_context.send_activity(tr(turn.locale, "poll.new.usage_hint"))
            return
        poll = await self.service.create(turn.actor, turn.forum_id, definition)
        note = tr(turn.locale, "poll.new.created", number=poll.number)
        card = preview_card(poll, turn.locale, turn.time_zone, note)
        await self.send_privately(turn_context, turn, card, title_of(poll, turn.locale))

    async def start_poll(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        """The preview first, in the coordinator's 1:1; its *Post to channel* opens the poll."""
        poll = await self._poll_named(turn_context, turn, argument, "poll_start")
        if poll is None:
            return
        if poll.status.value != "draft":
            await turn_context.send_activity(tr(turn.locale, "poll.start.already", number=poll.number))
            return
        card = preview_card(poll, turn.locale, turn.time_zone)
        await self.send_privately(turn_context, turn, card, title_of(poll, turn.locale))

    async def close_poll(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        poll = await self._poll_named(turn_context, turn, argument, "poll_close")
        if poll is None:
            return
        if not poll.is_open:
            key = N_("poll.close.not_open") if poll.status.value == "draft" else N_("poll.close.already")
            await turn_context.send_activity(tr(turn.locale, key, number=poll.number))
            return
        _, closed = await self.service.close(turn.actor, poll.id)
        if closed:
            self.kick()
        key = N_("poll.close.done") if closed else N_("poll.close.already")
        await turn_context.send_activity(tr(turn.locale, key, number=poll.number))

    async def show_results(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        poll = await self._poll_named(turn_context, turn, argument, "poll_results")
        if poll is None:
            return
        if not poll.is_closed:
            await turn_context.send_activity(tr(turn.locale, "poll.results.not_closed", number=poll.number))
            return
        results = await self.service.results(poll.id)
        chart = self.links.chart_url(poll.id, poll.number, utcnow()) if results.shown else None
        await send_card(turn_context, results_card(results, turn.locale, chart_url=chart))

    async def export_poll(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        """Links to the CSV and XLSX files, only in the coordinator's 1:1 (they are short-lived secrets)."""
        poll = await self._poll_named(turn_context, turn, argument, "poll_export")
        if poll is None:
            return
        self.service.require_coordinator(turn.actor, poll.forum_id)
        if not turn.is_personal:
            await turn_context.send_activity(tr(turn.locale, "poll.export.personal_only"))
            return
        if not poll.is_closed:
            await turn_context.send_activity(tr(turn.locale, "poll.results.not_closed", number=poll.number))
            return
        await send_card(turn_context, export_card(poll, self.links.export_urls(poll.id, utcnow()), turn.locale))

    async def _poll_named(self, turn_context: TurnContext, turn: TurnInfo, argument: str, command: str) -> Poll | None:
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return None
        number = parse_number(argument)
        if number is None:
            example = tr(turn.locale, USAGE_KEYS[command]).replace(" N", " 1")
            await turn_context.send_activity(tr(turn.locale, "poll.usage.number", example=example))
            return None
        try:
            return await self.service.by_number(turn.forum_id, number)
        except PollNotFoundError:
            await turn_context.send_activity(tr(turn.locale, "poll.not_found", number=number))
            return None
