"""One proactive call to Teams through the CloudAdapter: post, update, or open a 1:1 and post.

Why the callbacks catch everything: the adapter runs a proactive callback
through its middleware pipeline, and an exception there goes to the bot's
``on_turn_error``, which would post "something went wrong" into the very
conversation we failed to reach (and swallow the error). Here the error is
kept and raised to the outbox worker as a :class:`SendError` with the HTTP
status and ``Retry-After``, which botbuilder 4.17.1's connector does not act
on itself (it raises ``ErrorResponseException``, an msrest
``HttpOperationError`` carrying the ``requests`` response).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.delivery.limiter import BACKGROUND_TENANT, TeamsCalls
from bot.model_codec import ModelCodec
from bot.references import reference_from_json
from forum.delivery.outbox_delivery import ClaimedMessage, Recipient

logger = logging.getLogger(__name__)

T = TypeVar("T")
TEAMS_CHANNEL_ID = "msteams"


@dataclass(frozen=True)
class Delivered:
    activity_id: str | None
    conversation_id: str | None
    reference: dict[str, Any] | None
    """The reference used (or created); stored on the row, and updates of it go there."""
    created_personal_reference: dict[str, Any] | None = None
    """Set when a 1:1 was opened: the person's new conversation."""


class SendError(Exception):
    """A send that did not happen; ``status_code`` None means no HTTP answer (network, timeout)."""

    def __init__(self, message: str, *, status_code: int | None = None, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.unexpected = False
        self.created_personal_reference: dict[str, Any] | None = None
        """Set when a 1:1 was opened before the post failed: the retry must not open another."""


def send_error_of(error: BaseException) -> SendError:
    """Read the status and ``Retry-After`` out of whatever the connector raised."""
    if isinstance(error, SendError):
        return error
    if isinstance(error, HttpOperationError):
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        headers = getattr(response, "headers", None) or {}
        retry_after = headers.get("Retry-After") if hasattr(headers, "get") else None
        return SendError(str(error), status_code=int(status) if status else None, retry_after=retry_after)
    if isinstance(error, ClientRequestError | aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return SendError(f"{type(error).__name__}: {error}")
    unexpected = SendError(f"{type(error).__name__}: {error}")
    unexpected.unexpected = True
    return unexpected


class ProactiveSender:
    """Turns a claimed outbox message into the one SDK call it needs.

    Every call it makes is paced as background work by ``calls``: the posts and
    updates through the adapter's :class:`TeamsCallsMiddleware` (the proactive turn
    says it is background in its ``turn_state``), the "create conversation" here.
    """

    def __init__(self, adapter: BotAdapter, bot_app_id: str, calls: TeamsCalls | None = None) -> None:
        self._adapter = adapter
        self._calls = calls
        # Local mode (Playground, Emulator, tests) has no app id: "" makes the
        # adapter build an unauthenticated connector, which those accept.
        self._bot_app_id = bot_app_id
        self._codec = ModelCodec(Activity._infer_class_models())

    def _activity(self, payload: dict[str, Any]) -> Activity:
        activity: Activity = self._codec.read_or_msrest(Activity, payload)
        activity.type = activity.type or "message"
        return activity

    async def deliver(self, message: ClaimedMessage) -> Delivered:
        if message.operation == "update":
            return await self._update(message)
        if message.reference is not None:
            return await self._post(message.reference, message.activity, message.tenant_id)
        if message.recipient is not None:
            return await self._open_and_post(message.recipient, message.activity, message.tenant_id)
        raise SendError(message.problem or "no route")

    async def _post(self, reference_json: dict[str, Any], payload: dict[str, Any], tenant: str) -> Delivered:
        async def post(turn_context: TurnContext) -> Delivered:
            response = await turn_context.send_activity(self._activity(payload))
            return Delivered(
                activity_id=response.id if response is not None else None,
                conversation_id=turn_context.activity.conversation.id,
                reference=reference_json,
            )

        return await self._continue(reference_json, post, tenant)

    async def _update(self, message: ClaimedMessage) -> Delivered:
        if message.reference is None or not message.target_activity_id:
            raise SendError(message.problem or "nothing to update")
        reference_json = message.reference
        target_id = message.target_activity_id

        async def replace(turn_context: TurnContext) -> Delivered:
            activity = self._activity(message.activity)
            activity.id = target_id
            await turn_context.update_activity(activity)
            return Delivered(
                activity_id=target_id, conversation_id=turn_context.activity.conversation.id, reference=reference_json
            )

        return await self._continue(reference_json, replace, message.tenant_id)

    async def _open_and_post(self, recipient: Recipient, payload: dict[str, Any], paced_tenant: str) -> Delivered:
        """Open a 1:1 with someone the bot has never talked to, then post in it.

        Teams answers "create conversation" for an existing 1:1 with that same
        conversation, so a retry after a lost answer does not open a second chat.
        """
        bot = recipient.bot or ({"id": f"28:{self._bot_app_id}"} if self._bot_app_id else None)
        if bot is None or not recipient.service_url:
            raise SendError("cannot open a 1:1: the forum's bot account or service URL is unknown", status_code=404)
        tenant = recipient.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            members=[ChannelAccount(id=recipient.teams_user_id, name=recipient.name or None)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        outcome: list[Delivered] = []
        failure: list[BaseException] = []
        created: list[dict[str, Any]] = []

        async def opened(turn_context: TurnContext) -> None:
            turn_context.turn_state[BACKGROUND_TENANT] = paced_tenant
            try:
                reference = TurnContext.get_conversation_reference(turn_context.activity)
                reference.activity_id = None
                reference.user = ChannelAccount(id=recipient.teams_user_id, name=recipient.name or None)
                reference.conversation.conversation_type = "personal"
                reference_json = dict(reference.serialize())
                created.append(reference_json)
                turn_context.activity.id = None
                response = await turn_context.send_activity(self._activity(payload))
                outcome.append(
                    Delivered(
                        activity_id=response.id if response is not None else None,
                        conversation_id=reference.conversation.id,
                        reference=reference_json,
                        created_personal_reference=reference_json,
                    )
                )
            except Exception as exc:  # noqa: BLE001 - kept from on_turn_error, raised below
                failure.append(exc)

        if self._calls is not None:
            await self._calls.background(None, paced_tenant)
        try:
            await self._adapter.create_conversation(
                self._bot_app_id, opened, parameters, TEAMS_CHANNEL_ID, recipient.service_url
            )
        except Exception as exc:
            raise send_error_of(exc) from exc
        if failure:
            error = send_error_of(failure[0])
            error.created_personal_reference = created[0] if created else None
            raise error from failure[0]
        if not outcome:
            raise SendError("create conversation ran no callback")
        return outcome[0]

    async def _continue(
        self, reference_json: dict[str, Any], action: Callable[[TurnContext], Awaitable[T]], tenant: str
    ) -> T:
        reference: ConversationReference = reference_from_json(reference_json)
        outcome: list[T] = []
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            # The continuation activity carries a random id; left there, the SDK
            # would send our message as a *reply* to that non-existent activity.
            turn_context.activity.id = None
            turn_context.turn_state[BACKGROUND_TENANT] = tenant
            try:
                outcome.append(await action(turn_context))
            except Exception as exc:  # noqa: BLE001 - kept from on_turn_error, raised below
                failure.append(exc)

        try:
            await self._adapter.continue_conversation(reference, callback, self._bot_app_id)
        except Exception as exc:
            raise send_error_of(exc) from exc
        if failure:
            raise send_error_of(failure[0]) from failure[0]
        if not outcome:
            raise SendError("continue conversation ran no callback")
        return outcome[0]
