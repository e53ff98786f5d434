"""The buttons on check-in cards: save, nothing to report, away, the typed dialog, the digest's
*Show more*, a critical friend's *Reply*, the projects card and a coordinator's confirmation.

Each gets the card's data (Action.Execute or its Submit fallback) and returns the card that
replaces the pressed one, or None. Bad input comes back as the same card with the errors
beside the fields, nothing saved; permission checks live in ``forum/``.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext

from bot.checkins.replies import CheckinReplies
from bot.turn import TurnInfo
from cards.checkins.actions import (
    CHECKIN_KEY,
    EXPERIMENT_KEY,
    FIELD_AUDIENCE,
    FIELD_GOAL,
    FIELD_IMPACT,
    FIELD_NEW_EXPERIMENT,
    FIELD_REPLY,
    MEETING_KEY,
    MUSEUM_KEY,
    PARTICIPANT_KEY,
    ROUND_KEY,
    parse_checkin,
    parse_day,
    text_of,
)
from cards.checkins.digest import museum_digest_card
from cards.checkins.friend import friend_checkin_card, member_claim_card
from cards.checkins.projects import project_card
from cards.checkins.prompt import prompt_card
from cards.elements import Element, id_in
from forum.checkins.answers import CheckinInput
from forum.checkins.model import (
    CheckinInvalidError,
    NoMuseumError,
    NoRoundError,
    NotMemberError,
    SaveOutcome,
    StaleExperimentError,
)
from forum.i18n import format_day, tr

logger = logging.getLogger(__name__)

CardReply = dict[str, Any] | None
MAX_AWAY_DAYS = 366


class CheckinButtons(CheckinReplies):
    async def save(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        return await self._save(turn_context, turn, parse_checkin(data))

    async def nothing(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        return await self._save(turn_context, turn, parse_checkin(data, nothing_to_report=True))

    async def _save(self, turn_context: TurnContext, turn: TurnInfo, values: CheckinInput) -> CardReply:
        forum_id = turn.forum_id
        if forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return None
        try:
            outcome = await self.service.save(turn.actor, forum_id, values)
        except CheckinInvalidError as exc:
            logger.info("check-in refused: %s", exc)
            return await self._card_again(turn_context, turn, values, exc.errors)
        except NoMuseumError:
            return await self._card_again(turn_context, turn, values, {"museum": "checkin.museum.pick"})
        except StaleExperimentError:
            await turn_context.send_activity(tr(turn.locale, "checkin.experiment.stale"))
            return await self._card_again(turn_context, turn, CheckinInput(round_id=values.round_id), {})
        except NoRoundError:
            await turn_context.send_activity(tr(turn.locale, "checkin.round.none"))
            return None
        except NotMemberError:
            await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
            return None
        self.kick()
        return await self._saved_card(turn, outcome)

    async def _saved_card(self, turn: TurnInfo, outcome: SaveOutcome) -> Element:
        note = tr(turn.locale, "checkin.saved")
        if outcome.after_last_round:
            note = tr(turn.locale, "checkin.saved_late_last")
        elif outcome.late:
            note = tr(
                turn.locale,
                "checkin.saved_late",
                closes=format_day(outcome.round.closes_at, turn.locale, turn.time_zone),
            )
        if outcome.friends_told:
            note = f"{note} {tr(turn.locale, 'checkin.saved_friends')}"
        assert turn.forum_id is not None
        view = outcome.prompt or await self.service.prompt(turn.actor, turn.forum_id, outcome.round.id)
        return prompt_card(view, turn.locale, turn.time_zone, note=note, note_is_warning=outcome.late)

    async def _card_again(
        self, turn_context: TurnContext, turn: TurnInfo, values: CheckinInput, errors: dict[str, str]
    ) -> CardReply:
        assert turn.forum_id is not None
        try:
            view = await self.service.prompt(turn.actor, turn.forum_id, values.round_id)
        except NotMemberError:
            await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
            return None
        keep = values if errors else None
        note = tr(turn.locale, "checkin.not_saved") if errors else None
        return prompt_card(
            view, turn.locale, turn.time_zone, values=keep, errors=errors, note=note, note_is_warning=True
        )

    async def away(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        day = parse_day(data)
        forum_id = turn.forum_id
        if forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return None
        zone = ZoneInfo(turn.time_zone)
        today = datetime.now(zone).date()
        if day is None or day < today or day > today + timedelta(days=MAX_AWAY_DAYS):
            values = CheckinInput(round_id=id_in(data, ROUND_KEY))
            return await self._card_again(turn_context, turn, values, {"away_until": "checkin.error.away_date"})
        until = datetime.combine(day, time(23, 59), tzinfo=zone)
        try:
            await self.service.away(turn.actor, forum_id, until)
        except NotMemberError:
            await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
            return None
        view = await self.service.prompt(turn.actor, forum_id, id_in(data, ROUND_KEY))
        note = tr(turn.locale, "checkin.away.saved", day=format_day(until, turn.locale, turn.time_zone))
        return prompt_card(view, turn.locale, turn.time_zone, note=note)

    async def type_instead(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        if turn.forum_id is None:
            # Someone outside the forum pressed a forwarded card: say so, start nothing.
            await turn_context.send_activity(tr(turn.locale, "forum.none"))
            return None
        if self.parts.start_dialog is None:
            return None
        await self.parts.start_dialog(turn_context, turn, id_in(data, ROUND_KEY))
        return None

    async def digest_more(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        meeting_id, museum_id = id_in(data, MEETING_KEY), id_in(data, MUSEUM_KEY)
        if meeting_id is None or museum_id is None or turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        try:
            museum = await self.service.museum_digest(turn.actor, turn.forum_id, meeting_id, museum_id)
        except NotMemberError:
            await turn_context.send_activity(tr(turn.locale, "checkin.not_member"))
            return None
        if museum is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.digest.gone"))
            return None
        card = museum_digest_card(museum, turn.locale, turn.time_zone)
        await self.send_privately(turn_context, turn, card, purpose="checkin_digest_more", summary=museum.museum)
        return None

    async def reply(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        checkin_id = id_in(data, CHECKIN_KEY)
        if checkin_id is None or turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        try:
            view = await self.service.reply(turn.actor, turn.forum_id, checkin_id, text_of(data, FIELD_REPLY))
        except CheckinInvalidError as exc:
            await turn_context.send_activity(tr(turn.locale, next(iter(exc.errors.values()))))
            return None
        except (StaleExperimentError, NotMemberError):
            await turn_context.send_activity(tr(turn.locale, "checkin.reply.gone"))
            return None
        self.kick()
        return friend_checkin_card(view, turn.locale, turn.time_zone, note=tr(turn.locale, "checkin.reply.sent"))

    async def project_save(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        museum_id = id_in(data, MUSEUM_KEY)
        if museum_id is None or turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        try:
            view = await self.service.save_project(
                turn.actor,
                turn.forum_id,
                museum_id,
                goal=text_of(data, FIELD_GOAL),
                audience=text_of(data, FIELD_AUDIENCE),
                impact=text_of(data, FIELD_IMPACT),
                new_experiment=text_of(data, FIELD_NEW_EXPERIMENT),
            )
        except CheckinInvalidError as exc:
            current = await self.service.project_by_id(turn.actor, turn.forum_id, museum_id)
            return project_card(current, turn.locale, errors=exc.errors)
        except StaleExperimentError:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        return project_card(view, turn.locale, note=tr(turn.locale, "checkin.project.saved"))

    async def experiment_remove(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        experiment_id = id_in(data, EXPERIMENT_KEY)
        if experiment_id is None or turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        try:
            view = await self.service.remove_experiment(turn.actor, turn.forum_id, experiment_id)
        except StaleExperimentError:
            await turn_context.send_activity(tr(turn.locale, "checkin.experiment.stale"))
            return None
        return project_card(view, turn.locale, note=tr(turn.locale, "checkin.project.removed"))

    async def member_confirm(self, turn_context: TurnContext, turn: TurnInfo, data: dict[str, Any]) -> CardReply:
        participant_id, museum_id = id_in(data, PARTICIPANT_KEY), id_in(data, MUSEUM_KEY)
        if participant_id is None or museum_id is None or turn.forum_id is None:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        try:
            person, museum = await self.service.confirm_member(turn.actor, turn.forum_id, participant_id, museum_id)
        except StaleExperimentError:
            await turn_context.send_activity(tr(turn.locale, "checkin.card_invalid"))
            return None
        return member_claim_card(person, museum, participant_id, museum_id, turn.locale, done=True)
