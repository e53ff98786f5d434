"""The buttons on meeting cards: RSVP, the preview's Post / Edit / Cancel, the form, cancel-confirm.

Each handler gets the card's data (Action.Execute or its Action.Submit
fallback, the same verb either way) and returns the card that replaces the
pressed one, or None to leave it as it is. Permissions are checked in
``forum/``: a participant pressing a coordinator's button gets a polite no
and nothing changes.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from botbuilder.core import TurnContext

from bot.meetings.replies import MeetingReplies, wants_reply_card
from bot.turn import TurnInfo
from cards.elements import Element
from cards.meetings.actions import meeting_id_of, parse_meeting_form, parse_rsvp
from cards.meetings.form import meeting_form_card
from cards.meetings.preview import form_closed_card, preview_closed_card
from forum.delivery.outbox import NoChannelError
from forum.i18n import N_, tr
from forum.meetings.announcements import AlreadyAnnouncedError, ForumUnreachableError
from forum.meetings.input import MeetingInput, input_of, input_to_draft
from forum.meetings.model import (
    Meeting,
    MeetingCancelledError,
    MeetingInvalidError,
    MeetingNotFoundError,
    MeetingOverError,
)
from forum.meetings.rsvp import NotParticipantError
from forum.meetings.service import MeetingStanding

logger = logging.getLogger(__name__)

CardReply = dict[str, Any] | None


class MeetingButtons(MeetingReplies):
    # --- everyone -----------------------------------------------------

    async def rsvp(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """Record the answer; the presser gets their own view back, the channel card new counts."""
        choice = parse_rsvp(data)
        if choice is None:
            await turn_context.send_activity(tr(turn.locale, "meeting.card_invalid"))
            return None
        note, warning = tr(turn.locale, "rsvp.thanks"), False
        try:
            outcome = await self.service.answer(turn.actor, choice.meeting_id, choice.answer)
        except NotParticipantError:
            await turn_context.send_activity(tr(turn.locale, "rsvp.refused.not_member"))
            return None
        except MeetingCancelledError:
            note, warning = tr(turn.locale, "rsvp.refused.cancelled"), True
        except MeetingOverError:
            note, warning = tr(turn.locale, "rsvp.refused.over"), True
        else:
            if outcome.changed:
                self.kick_soon()  # the channel card's new counts, with the answers right behind
            # The answer just stored and the counts read after its commit: nothing to read again.
            standing = MeetingStanding(outcome.meeting, outcome.counts, outcome.answer)
        if warning:
            standing = await self.service.standing(choice.meeting_id, turn.actor.person.id)
        if not wants_reply_card(turn_context, turn):
            if warning:
                await turn_context.send_activity(note)
            return None
        return self.personal_card(standing, turn, note, warning=warning)

    async def refresh(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """Teams asks for this person's view of the channel card (the card's ``refresh``)."""
        meeting_id = meeting_id_of(data)
        if meeting_id is None:
            return None
        try:
            standing = await self.service.standing(meeting_id, turn.actor.person.id)
        except MeetingNotFoundError:
            return None
        if standing.meeting.forum_id != turn.forum_id or not wants_reply_card(turn_context, turn):
            return None  # another forum's meeting: not this person's to see
        return self.personal_card(standing, turn)

    # --- coordinators: the preview --------------------------------------

    async def post(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        meeting_id = meeting_id_of(data)
        if meeting_id is None:
            await turn_context.send_activity(tr(turn.locale, "meeting.card_invalid"))
            return None
        note = tr(turn.locale, "meeting.post.done")
        try:
            await self.service.post(turn.actor, meeting_id)
        except (ForumUnreachableError, NoChannelError):
            await turn_context.send_activity(tr(turn.locale, "meeting.post.no_channel"))
            return None
        except AlreadyAnnouncedError:
            note = tr(turn.locale, "meeting.post.already")
        except (MeetingCancelledError, MeetingOverError) as exc:
            meeting = await self.service.by_id(meeting_id)
            key = (
                N_("meeting.announce.cancelled")
                if isinstance(exc, MeetingCancelledError)
                else N_("meeting.announce.past")
            )
            await turn_context.send_activity(tr(turn.locale, key, number=meeting.number))
            return None
        else:
            self.kick()
        return self.preview_card(await self.service.standing(meeting_id), turn, note)

    async def edit(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        meeting_id = meeting_id_of(data)
        if meeting_id is None:
            await turn_context.send_activity(tr(turn.locale, "meeting.card_invalid"))
            return None
        try:
            meeting = await self.service.editable(turn.actor, meeting_id)
        except MeetingCancelledError:
            meeting = await self.service.by_id(meeting_id)
            await turn_context.send_activity(tr(turn.locale, "meeting.edit.cancelled", number=meeting.number))
            return None
        museums = await self.service.museums(meeting.forum_id)
        return meeting_form_card(
            input_of(meeting, turn.time_zone), museums=museums, errors={}, locale=turn.locale, time_zone=turn.time_zone
        )

    async def discard(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """The preview's Cancel: nothing is posted; the card says how to come back."""
        meeting_id = meeting_id_of(data)
        try:
            meeting = await self.service.by_id(meeting_id) if meeting_id is not None else None
        except MeetingNotFoundError:
            meeting = None
        if meeting is None:
            return form_closed_card(turn.locale)
        return preview_closed_card(meeting, turn.locale)

    async def close_form(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """A form's or a confirmation's Cancel: nothing was saved."""
        return form_closed_card(turn.locale)

    # --- coordinators: the form and cancelling --------------------------

    async def save(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        """Save the form; with errors the same form comes back, nothing saved."""
        values = parse_meeting_form(data)
        if turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return None
        try:
            forum_id, values, previous = await self._form_target(turn, turn.forum_id, values)
        except MeetingCancelledError:
            await turn_context.send_activity(tr(turn.locale, "meeting.edit.cancelled", number=values.number))
            return None
        draft, errors = input_to_draft(values, turn.time_zone)
        try:
            if draft is None:
                raise MeetingInvalidError(errors)
            if values.meeting_id is None:
                meeting = await self.service.create(turn.actor, forum_id, draft)
            else:
                meeting = await self.service.edit(turn.actor, values.meeting_id, draft)
        except MeetingInvalidError as exc:
            logger.info("meeting form refused: %s", exc)
            return await self._form_again(values, exc.errors, forum_id, turn)
        except MeetingCancelledError:
            await turn_context.send_activity(tr(turn.locale, "meeting.edit.cancelled", number=values.number))
            return None
        card_updated = meeting.is_announced and (previous is None or previous.revision != meeting.revision)
        if card_updated:
            self.kick()
        note = tr(turn.locale, N_("meeting.saved_posted") if card_updated else N_("meeting.saved"))
        return self.preview_card(await self.service.standing(meeting.id), turn, note)

    async def _form_target(
        self, turn: TurnInfo, forum_id: int, values: MeetingInput
    ) -> tuple[int, MeetingInput, Meeting | None]:
        """Where the form saves, checked for the coordinator role: (forum, values, the meeting
        as it was before this edit). An edit keeps the meeting's number whatever the form says."""
        if values.meeting_id is None:
            self.service.require_coordinator(turn.actor, forum_id)
            return forum_id, values, None
        meeting = await self.service.editable(turn.actor, values.meeting_id)
        return meeting.forum_id, replace(values, number=str(meeting.number)), meeting

    async def _form_again(self, values: MeetingInput, errors: dict[str, str], forum_id: int, turn: TurnInfo) -> Element:
        museums = await self.service.museums(forum_id)
        return meeting_form_card(values, museums=museums, errors=errors, locale=turn.locale, time_zone=turn.time_zone)

    async def confirm_cancel(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        meeting_id = meeting_id_of(data)
        if meeting_id is None:
            await turn_context.send_activity(tr(turn.locale, "meeting.card_invalid"))
            return None
        meeting, changed = await self.service.cancel(turn.actor, meeting_id)
        if changed and meeting.is_announced:
            self.kick()
        if not changed:
            note = tr(turn.locale, "meeting.cancel.already", number=meeting.number)
        elif meeting.is_announced:
            note = tr(turn.locale, "meeting.cancel.done_posted", number=meeting.number)
        else:
            note = tr(turn.locale, "meeting.cancel.done", number=meeting.number)
        standing: MeetingStanding = await self.service.standing(meeting.id)
        return self.preview_card(standing, turn, note)
