"""The Teams activity handler: routing only.

It turns Teams events into calls on ``forum/`` and text commands and card
buttons into calls on the registered handlers; what to do lives elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from http import HTTPStatus

from botbuilder.core import ConversationState, InvokeResponse, TurnContext
from botbuilder.core.serializer_helper import deserializer_helper
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import ChannelAccount, ErrorResponseException
from botbuilder.schema.teams import TeamInfo as SdkTeamInfo
from botbuilder.schema.teams import TeamsChannelAccount
from msrest.exceptions import DeserializationError, HttpOperationError

from bot.card_actions import BadCardData, CardActionRouter, read_action
from bot.commands import COMMANDS, CommandSpec, parse_command
from bot.delivery.limiter import count_call
from bot.references import channel_reference_of, member_of, reference_of, team_of, tenant_of
from bot.turn import CommandHandler, Interceptor, TurnInfo, invoke_message, send_card
from cards.help import help_card
from cards.welcome import welcome_card
from forum.i18n import N_, normalize_locale, resolve_locale, tr
from forum.people.permissions import NotCoordinatorError
from forum.people.roster import Actor, Roster
from forum.types import MemberInfo, TeamInfo
from forum.untrusted import for_log
from storage.transactions import DatabaseBusyError

logger = logging.getLogger(__name__)

ROSTER_PAGE_SIZE = 200


class ForumBot(TeamsActivityHandler):
    def __init__(
        self,
        roster: Roster,
        conversation_state: ConversationState,
        default_locale: str,
        default_time_zone: str,
    ) -> None:
        self._roster = roster
        self._conversation_state = conversation_state
        self._default_locale = default_locale
        self._default_time_zone = default_time_zone
        self._commands: dict[str, CommandHandler] = {}
        self._specs: list[CommandSpec] = []
        self._interceptors: list[Interceptor] = []
        self.card_actions = CardActionRouter()
        self.card_actions.refuse(NotCoordinatorError, N_("refused.coordinator_only"))
        self.add_commands(COMMANDS)
        self.register_command("help", self._answer_help)

    # --- registration -------------------------------------------------

    def add_commands(self, specs: Collection[CommandSpec]) -> None:
        self._specs.extend(specs)

    def register_command(self, name: str, handler: CommandHandler) -> None:
        self._commands[name] = handler

    def register_interceptor(self, interceptor: Interceptor) -> None:
        """Let ``interceptor`` see typed text before the commands (a dialog waiting for an answer)."""
        self._interceptors.append(interceptor)

    @property
    def command_specs(self) -> tuple[CommandSpec, ...]:
        return tuple(self._specs)

    @property
    def understood_commands(self) -> tuple[CommandSpec, ...]:
        """The commands a handler answers (the Teams app's command lists must keep to these)."""
        return tuple(spec for spec in self._specs if spec.name in self._commands)

    # --- turn ----------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        try:
            await super().on_turn(turn_context)
            await self._conversation_state.save_changes(turn_context)
        except DatabaseBusyError:
            # Retried and still busy (storage.transactions): nothing was written. Not a
            # failed turn: the person is asked to try again, in their language.
            activity = turn_context.activity
            logger.warning("activity %s (%s): database busy, asked to retry", activity.id, activity.type)
            if activity.type == "message":
                await turn_context.send_activity(tr(self._activity_locale(turn_context), "error.busy"))

    def _activity_locale(self, turn_context: TurnContext) -> str:
        return resolve_locale(turn_context.activity.locale, default=self._default_locale)

    async def turn_info(self, turn_context: TurnContext) -> TurnInfo:
        activity = turn_context.activity
        team = team_of(activity)
        tenant = tenant_of(activity)
        is_personal = (activity.conversation.conversation_type or "personal") == "personal"
        actor = await self._roster.identify(
            member_of(activity.from_property, tenant),
            team["id"] if team else None,
            personal_reference=reference_of(activity) if is_personal else None,
            locale=activity.locale,
        )
        if is_personal and not actor.person.email:
            actor = await self._learn_member_details(turn_context, tenant) or actor
        forum_locale = actor.forum.locale if actor.forum is not None else None
        locale = resolve_locale(
            actor.person.preferred_locale, activity.locale, forum_locale, default=self._default_locale
        )
        return TurnInfo(
            actor=actor,
            locale=locale,
            team_id=team["id"] if team else None,
            is_personal=is_personal,
            time_zone=actor.forum.time_zone if actor.forum is not None else self._default_time_zone,
        )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.from_property is None or not activity.from_property.id:
            return
        turn = await self.turn_info(turn_context)
        if isinstance(activity.value, dict) and not (activity.text or "").strip():
            await self.card_actions.handle_submit(turn_context, turn, activity.value)
            return
        mentioned = activity.entities and activity.text and activity.recipient is not None and activity.recipient.id
        # The SDK's mention removal reads recipient.id: an activity without one keeps its text as is.
        text = TurnContext.remove_recipient_mention(activity) if mentioned else activity.text
        if not (text or "").strip():
            return
        for interceptor in self._interceptors:
            if await interceptor(turn_context, turn, text or ""):
                return
        command = parse_command(text or "", tuple(self._specs))
        if command is None or command.name not in self._commands:
            await turn_context.send_activity(tr(turn.locale, "unknown.hint"))
            return
        spec = next(s for s in self._specs if s.name == command.name)
        if spec.coordinators_only and not turn.actor.is_coordinator:
            await turn_context.send_activity(tr(turn.locale, "refused.coordinator_only"))
            return
        try:
            await self._commands[command.name](turn_context, turn, command.argument)
        except NotCoordinatorError:  # the domain's own check (its transaction rolled back)
            await turn_context.send_activity(tr(turn.locale, "refused.coordinator_only"))

    async def _learn_member_details(self, turn_context: TurnContext, tenant: str | None) -> Actor | None:
        """Ask the roster API who this 1:1 user is; None when it cannot say.

        A 1:1 activity names the user only by ids; the e-mail that
        ``COORDINATORS`` may list comes from the roster API, asked once per
        person (while we do not know their e-mail).
        """
        activity = turn_context.activity
        try:
            await count_call(turn_context)
            details = await TeamsInfo.get_member(turn_context, activity.from_property.id)
        except (ErrorResponseException, HttpOperationError, OSError) as exc:
            # No Teams id here: the log keeps no one's identifiers at INFO.
            logger.info("member details unavailable: %s", type(exc).__name__)
            return None
        return await self._roster.identify(member_of(details, tenant), None)

    async def _answer_help(self, turn_context: TurnContext, turn: TurnInfo, _argument: str) -> None:
        card = help_card(turn.locale, [spec.help for spec in self._specs], turn.actor.is_coordinator)
        await send_card(turn_context, card)

    # --- invokes -------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Answer ``adaptiveCard/action`` ourselves (Action.Execute).

        botbuilder 4.17.1 hands ``value.action`` over as a plain dict, and an
        invoke response built with the SDK's helper is serialized twice; the
        HTTP edge (``bot/messages_endpoint.py``) sends this body as it is.
        """
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            try:  # the SDK answers 501 for what the bot does not implement…
                return await super().on_invoke_activity(turn_context)
            except DeserializationError:  # …and raises for a value of the wrong shape
                return InvokeResponse(status=int(HTTPStatus.BAD_REQUEST))
        action = read_action(activity.value)
        if action is None:
            return InvokeResponse(status=int(HTTPStatus.OK), body=invoke_message(400, "BadRequest", "malformed action"))
        if not self.card_actions.knows(action.verb):
            return InvokeResponse(status=int(HTTPStatus.OK), body=invoke_message(400, "BadRequest", "unknown verb"))
        try:
            turn = await self.turn_info(turn_context)
            card = await self.card_actions.handle_execute(turn_context, turn, action.verb, action.data)
        except DatabaseBusyError:
            # Only the presser sees this (Teams shows it on the card); nothing goes to the channel.
            logger.warning("invoke %s: database busy, answered 503", activity.id)
            message = tr(self._activity_locale(turn_context), "error.busy")
            return InvokeResponse(status=int(HTTPStatus.OK), body=invoke_message(503, "ServiceUnavailable", message))
        except BadCardData as error:
            message = tr(turn.locale, error.message_key)
            return InvokeResponse(status=int(HTTPStatus.OK), body=invoke_message(400, "BadRequest", message))
        if card is None:
            return InvokeResponse(status=int(HTTPStatus.OK), body=invoke_message(200, "", ""))
        return InvokeResponse(
            status=int(HTTPStatus.OK),
            body={"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card},
        )

    # --- install and roster --------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        if team_of(turn_context.activity):
            await self._install_into_team(turn_context)
        elif turn_context.activity.from_property is not None:
            await self.turn_info(turn_context)  # keeps the 1:1 reference and learns who this is

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        team = team_of(turn_context.activity)
        if team:
            await self._roster.deactivate_forum(team["id"])

    async def on_teams_members_added_dispatch(
        self, members_added: list[ChannelAccount], team_info: SdkTeamInfo, turn_context: TurnContext
    ) -> None:
        """The SDK's, except that a member the roster API does not know is skipped: the SDK
        raises on any answer but ConversationNotFound, failing the turn for everyone added."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        accounts: list[TeamsChannelAccount] = []
        for member in members_added:
            if member.additional_properties or member.id == bot_id:
                accounts.append(deserializer_helper(TeamsChannelAccount, member))
                continue
            try:
                accounts.append(await TeamsInfo.get_member(turn_context, member.id))
            except ErrorResponseException as exc:
                code = exc.error.error.code if exc.error and exc.error.error else None
                if code == "ConversationNotFound":  # not a team's roster (the SDK's own fallback)
                    accounts.append(
                        TeamsChannelAccount(id=member.id, name=member.name, aad_object_id=member.aad_object_id)
                    )
                else:
                    logger.info("an added member is not on the roster: %s", for_log(code))
            except (HttpOperationError, OSError) as exc:
                logger.info("an added member could not be looked up: %s", type(exc).__name__)
        await self.on_teams_members_added(accounts, team_info, turn_context)

    async def on_teams_members_added(
        self, teams_members_added: list[TeamsChannelAccount], team_info: SdkTeamInfo, turn_context: TurnContext
    ) -> None:
        if team_info is None or not team_info.id:
            return
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in teams_members_added):
            await self._install_into_team(turn_context)
            return
        forum = await self._roster.forum_for_team(team_info.id)
        if forum is None:
            await self._install_into_team(turn_context)
            return
        tenant = tenant_of(turn_context.activity)
        await self._roster.add_members(forum.id, [member_of(m, tenant) for m in teams_members_added])

    async def on_teams_members_removed(
        self, teams_members_removed: list[ChannelAccount], team_info: SdkTeamInfo, turn_context: TurnContext
    ) -> None:
        if team_info is None or not team_info.id:
            return
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in teams_members_removed):
            await self._roster.deactivate_forum(team_info.id)
            return
        forum = await self._roster.forum_for_team(team_info.id)
        if forum is not None:
            await self._roster.remove_members(forum.id, [m.id for m in teams_members_removed])

    async def on_teams_team_renamed(self, team_info: SdkTeamInfo, turn_context: TurnContext) -> None:
        if team_info is not None and team_info.id:
            await self._roster.rename_forum(team_info.id, team_info.name or "")

    async def _install_into_team(self, turn_context: TurnContext) -> None:
        """Register the team as a forum, sync its roster, and welcome it once."""
        activity = turn_context.activity
        team = team_of(activity) or {}
        team_id = str(team["id"])
        name = str(team.get("name") or "")
        if not name:
            try:
                await count_call(turn_context)
                details = await TeamsInfo.get_team_details(turn_context, team_id)
                name = details.name or ""
            except Exception as exc:  # noqa: BLE001 - a name is nice to have, not needed
                logger.warning("team details unavailable: %s", type(exc).__name__)
        registration = await self._roster.register_forum(
            TeamInfo(
                team_id=team_id,
                name=name,
                tenant_id=tenant_of(activity),
                service_url=activity.service_url or "",
                channel_reference=channel_reference_of(activity, team_id),
                locale=resolve_locale(activity.locale, default=self._default_locale),
                locale_known=normalize_locale(activity.locale) is not None,
            )
        )
        members = await self._paged_members(turn_context)
        count = await self._roster.sync_roster(registration.forum.id, members)
        if registration.is_new:
            locale = resolve_locale(activity.locale, registration.forum.locale, default=self._default_locale)
            # Install events arrive in the General channel itself, so the reply lands there.
            await send_card(turn_context, welcome_card(locale, count))

    async def _paged_members(self, turn_context: TurnContext) -> list[MemberInfo]:
        tenant = tenant_of(turn_context.activity)
        members: list[MemberInfo] = []
        token: str | None = None
        while True:
            await count_call(turn_context)
            page = await TeamsInfo.get_paged_members(turn_context, token, ROSTER_PAGE_SIZE)
            members.extend(member_of(m, tenant) for m in page.members or [])
            token = page.continuation_token
            if not token:
                return members
