"""The poll card's buttons: answer, the automatic refresh, *Show my answers*, and the preview's.

Why a person's answers only ever travel in the answer to their own invoke: an Action.Execute's
response replaces the card for that person alone; a message (through the outbox or as a reply)
would put their answers into an outbox row, into the channel and into Teams' chat history.
An Action.Submit (older clients) in the channel therefore gets no card back: its answer is
stored, and only a refusal is said aloud.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext

from bot.polls.commands import PollReplies
from bot.turn import TurnInfo
from cards.elements import Element
from cards.polls.actions import answers_in, poll_id_of, wants_personal_copies
from cards.polls.card import PollCardView, discarded_card, poll_card, preview_card
from forum.i18n import N_, format_when, tr
from forum.polls.model import (
    InvalidAnswersError,
    NotPollMemberError,
    Poll,
    PollNotFoundError,
    PollNotOpenError,
    PollNotYetOpenError,
)
from forum.polls.service import PollChannelMissingError

logger = logging.getLogger(__name__)

CardReply = dict[str, Any] | None


def wants_reply_card(turn_context: TurnContext, turn: TurnInfo) -> bool:
    """An Execute's returned card is the presser's alone; a Submit's in a channel would be everyone's."""
    return turn_context.activity.type == "invoke" or turn.is_personal


class PollButtons(PollReplies):
    async def answer(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        poll_id, raw = poll_id_of(data), answers_in(data)
        if poll_id is None or raw is None:
            await turn_context.send_activity(tr(turn.locale, "poll.card_invalid"))
            return None
        try:
            outcome = await self.service.answer(turn.actor, poll_id, raw)
        except NotPollMemberError:
            await turn_context.send_activity(tr(turn.locale, "poll.refused.not_member"))
            return None
        except PollNotFoundError:
            await turn_context.send_activity(tr(turn.locale, "poll.gone"))
            return None
        except PollNotYetOpenError as exc:
            assert exc.poll.opens_at is not None
            when = format_when(exc.poll.opens_at, turn.locale, turn.time_zone)
            return await self._refused(turn_context, turn, exc.poll, tr(turn.locale, "poll.refused.not_yet", when=when))
        except PollNotOpenError as exc:
            return await self._refused(turn_context, turn, exc.poll, tr(turn.locale, "poll.refused.closed"))
        except InvalidAnswersError as exc:
            poll = await self.service.by_id(poll_id)
            if exc.general is not None:
                return await self._refused(turn_context, turn, poll, tr(turn.locale, exc.general))
            if not wants_reply_card(turn_context, turn):
                await turn_context.send_activity(tr(turn.locale, "poll.invalid.too_long_text"))
                return None
            typed = {qid: value for qid, value in raw.items() if value.strip()}
            view = PollCardView(
                respondents=await self.service.respondents(poll.id),
                answers=typed,
                errors=exc.errors,
                note=tr(turn.locale, "poll.invalid.not_saved"),
                note_is_warning=True,
            )
            return poll_card(poll, view, turn.locale, turn.time_zone)
        if outcome.first:
            self.kick()
        if not wants_reply_card(turn_context, turn):
            return None
        view = PollCardView(
            respondents=outcome.respondents,
            answers=outcome.answers,
            note=tr(turn.locale, "poll.thanks"),
        )
        return poll_card(outcome.poll, view, turn.locale, turn.time_zone)

    async def refresh(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """Teams asks for this person's view (the card's ``refresh``)."""
        return await self._show_mine(turn_context, turn, data, quiet=True)

    async def mine(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """*Show my answers*: their editable answers, in the invoke's answer only."""
        return await self._show_mine(turn_context, turn, data, quiet=False)

    async def post(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        poll_id = poll_id_of(data)
        if poll_id is None:
            await turn_context.send_activity(tr(turn.locale, "poll.card_invalid"))
            return None
        personal = wants_personal_copies(data)
        try:
            poll = await self.service.post(turn.actor, poll_id, personal=personal)
        except PollChannelMissingError:
            await turn_context.send_activity(tr(turn.locale, "poll.post.no_channel"))
            return None
        except PollNotOpenError as exc:
            key = N_("poll.post.already") if exc.poll.status.value != "draft" else N_("poll.post.past")
            return preview_card(exc.poll, turn.locale, turn.time_zone, tr(turn.locale, key), posted=True)
        self.kick()
        done = tr(turn.locale, "poll.post.done_personal") if personal else tr(turn.locale, "poll.post.done")
        return preview_card(poll, turn.locale, turn.time_zone, done, posted=True)

    async def discard(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        poll_id = poll_id_of(data)
        if poll_id is None:
            return None
        poll = await self.service.by_id(poll_id)
        self.service.require_coordinator(turn.actor, poll.forum_id)
        return discarded_card(poll, turn.locale)

    # --- inside ---------------------------------------------------------

    async def _show_mine(
        self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any], *, quiet: bool
    ) -> CardReply:
        poll_id = poll_id_of(data)
        if poll_id is None:
            return None
        try:
            poll = await self.service.by_id(poll_id)
        except PollNotFoundError:
            return None
        if poll.forum_id != turn.forum_id:
            return None  # another forum's poll: not this person's to see
        if not wants_reply_card(turn_context, turn):
            if not quiet:
                await turn_context.send_activity(tr(turn.locale, "poll.mine.channel"))
            return None
        if not poll.is_open:
            return poll_card(
                poll, PollCardView(respondents=await self.service.respondents(poll.id)), turn.locale, turn.time_zone
            )
        try:
            return await self._mine(turn, poll, None)
        except NotPollMemberError:
            if not quiet:
                await turn_context.send_activity(tr(turn.locale, "poll.refused.not_member"))
            return None

    async def _mine(self, turn: TurnInfo, poll: Poll, note: str | None) -> Element:
        current, answers = await self.service.my_answers(turn.actor, poll.id)
        view = PollCardView(respondents=await self.service.respondents(poll.id), answers=answers, note=note)
        return poll_card(current, view, turn.locale, turn.time_zone)

    async def _refused(self, turn_context: TurnContext, turn: TurnInfo, poll: Poll, note: str) -> CardReply:
        """A refusal: on the presser's own card when it is theirs alone, else said in one sentence."""
        if not wants_reply_card(turn_context, turn):
            await turn_context.send_activity(note)
            return None
        if not poll.is_open:
            view = PollCardView(respondents=await self.service.respondents(poll.id), note=note, note_is_warning=True)
            return poll_card(poll, view, turn.locale, turn.time_zone)
        current, answers = await self.service.my_answers(turn.actor, poll.id)
        view = PollCardView(
            respondents=await self.service.respondents(poll.id), answers=answers, note=note, note_is_warning=True
        )
        return poll_card(current, view, turn.locale, turn.time_zone)
