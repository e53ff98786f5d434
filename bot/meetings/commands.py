"""Meeting commands (``tapaamiset``, ``ilmoita N``, ``tapaaminen lisää`` …); they are
wired into the bot by ``bot/meetings/context.py``."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bot.meetings.replies import MeetingReplies, parse_meeting_number
from bot.turn import TurnInfo, send_card
from cards.meetings.cancel import cancel_confirm_card
from cards.meetings.form import meeting_form_card
from cards.meetings.parts import meeting_title
from cards.meetings.programme import meetings_list_card
from cards.meetings.rsvp_names import rsvp_names_card
from forum.i18n import N_, tr
from forum.meetings.input import MeetingInput, input_of
from forum.meetings.model import Meeting, MeetingNotFoundError
from forum.meetings.rsvp import NamesNotAllowedError
from storage.types import utcnow

logger = logging.getLogger(__name__)

USAGE_KEYS = {
    "meeting_edit": N_("meeting.command.edit.usage"),
    "meeting_cancel": N_("meeting.command.cancel.usage"),
    "announce": N_("meeting.command.announce.usage"),
    "rsvp_names": N_("rsvp.command.names.usage"),
}


class MeetingCommands(MeetingReplies):
    async def list_meetings(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        meetings = await self.service.meetings(turn.forum_id)
        card = meetings_list_card(
            meetings, turn.locale, turn.time_zone, now=utcnow(), show_coordinator_hint=turn.actor.is_coordinator
        )
        await send_card(turn_context, card)

    async def add_meeting(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        values = MeetingInput(number=str(await self.service.next_number(turn.forum_id)), start="10:00", end="16:00")
        museums = await self.service.museums(turn.forum_id)
        card = meeting_form_card(values, museums=museums, errors={}, locale=turn.locale, time_zone=turn.time_zone)
        await self.send_privately(
            turn_context, turn, card, purpose="meeting_form", summary=tr(turn.locale, "meeting.form.title_add")
        )

    async def edit_meeting(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        meeting = await self._meeting_named(turn_context, turn, argument, "meeting_edit")
        if meeting is None:
            return
        if meeting.is_cancelled:
            await turn_context.send_activity(tr(turn.locale, "meeting.edit.cancelled", number=meeting.number))
            return
        card = meeting_form_card(
            input_of(meeting, turn.time_zone),
            museums=await self.service.museums(meeting.forum_id),
            errors={},
            locale=turn.locale,
            time_zone=turn.time_zone,
        )
        summary = tr(turn.locale, "meeting.form.title_edit", number=meeting.number)
        await self.send_privately(turn_context, turn, card, purpose="meeting_form", summary=summary)

    async def cancel_meeting(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        meeting = await self._meeting_named(turn_context, turn, argument, "meeting_cancel")
        if meeting is None:
            return
        if meeting.is_cancelled:
            await turn_context.send_activity(tr(turn.locale, "meeting.cancel.already", number=meeting.number))
            return
        card = cancel_confirm_card(meeting, turn.locale, turn.time_zone)
        summary = tr(turn.locale, "meeting.cancel.question", number=meeting.number)
        await self.send_privately(turn_context, turn, card, purpose="meeting_cancel", summary=summary)

    async def announce(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        """The preview first, to the coordinator's 1:1; its Post button puts it in the channel."""
        meeting = await self._meeting_named(turn_context, turn, argument, "announce")
        if meeting is None:
            return
        if meeting.is_cancelled:
            await turn_context.send_activity(tr(turn.locale, "meeting.announce.cancelled", number=meeting.number))
            return
        if meeting.is_announced:
            await turn_context.send_activity(tr(turn.locale, "meeting.announce.already", number=meeting.number))
            return
        if meeting.starts_at <= utcnow():
            await turn_context.send_activity(tr(turn.locale, "meeting.announce.past", number=meeting.number))
            return
        card = self.preview_card(await self.service.standing(meeting.id), turn)
        summary = f"{meeting_title(meeting, turn.locale)}: {meeting.theme}"
        await self.send_privately(turn_context, turn, card, purpose="meeting_preview", summary=summary)

    async def rsvp_names(self, turn_context: TurnContext, turn: TurnInfo, argument: str) -> None:
        """Who comes: for coordinators and the host museum's people (``forum/rsvp.py`` decides)."""
        number = parse_meeting_number(argument)
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return
        if number is None:
            await self._usage(turn_context, turn, "rsvp_names")
            return
        try:
            names = await self.service.names(turn.actor, turn.forum_id, number)
        except MeetingNotFoundError:
            await turn_context.send_activity(tr(turn.locale, "meeting.not_found", number=number))
            return
        except NamesNotAllowedError:
            await turn_context.send_activity(tr(turn.locale, "rsvp.names.refused"))
            return
        card = rsvp_names_card(names, turn.locale, turn.time_zone)
        summary = tr(turn.locale, "rsvp.names.title")
        await self.send_privately(turn_context, turn, card, purpose="rsvp_names", summary=summary)

    async def _meeting_named(
        self, turn_context: TurnContext, turn: TurnInfo, argument: str, command: str
    ) -> Meeting | None:
        """The meeting the argument numbers, or None after telling the person why not."""
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return None
        number = parse_meeting_number(argument)
        if number is None:
            await self._usage(turn_context, turn, command)
            return None
        try:
            return await self.service.by_number(turn.forum_id, number)
        except MeetingNotFoundError:
            await turn_context.send_activity(tr(turn.locale, "meeting.not_found", number=number))
            return None

    @staticmethod
    async def _usage(turn_context: TurnContext, turn: TurnInfo, command: str) -> None:
        example = tr(turn.locale, USAGE_KEYS[command]).replace(" N", " 3")
        await turn_context.send_activity(tr(turn.locale, "meeting.usage.number", example=example))
