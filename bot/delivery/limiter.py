"""The process's one limiter for calls to Teams, and the middleware that counts them.

Why a middleware: every post, update and delete the bot makes, in a person's turn or
from the outbox, goes through a ``TurnContext``; the middleware's send, update and
delete handlers see each one just before it leaves, so none escapes the count. The
calls that do not go through a turn context (opening a 1:1, roster reads) call
:meth:`TeamsCalls.background` or :func:`count_call` themselves.

Which priority: the outbox's sends run in proactive turns whose ``turn_state`` says
:data:`BACKGROUND_TENANT` (set by the proactive sender); everything else answers a
person and is interactive (``TeamsLimits.reserve``: it goes first).

Waits are recorded per task (:func:`start_counting_waits`), so the worker can tell
the time a send spent with Teams from the time it waited for a slot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.references import tenant_of
from forum.delivery.rate_limit import TeamsLimits

logger = logging.getLogger(__name__)

BACKGROUND_TENANT = "foorumi.background_tenant"
"""``turn_state`` key: set (to the tenant id) in the outbox's proactive turns."""
TEAMS_CALLS = "foorumi.teams_calls"
"""``turn_state`` key: the limiter, for calls outside send/update/delete (roster reads)."""
DEFAULT_TENANT = "-"
NOT_SENT_TYPES = frozenset({ActivityTypes.invoke_response, "delay", ActivityTypes.trace})
"""Activities the SDK does not post to the connector (``trace`` only to the Emulator)."""
Next = Callable[[], Awaitable[None]]

_waited: ContextVar[list[float] | None] = ContextVar("teams_calls_waited", default=None)


@dataclass
class CallStats:
    interactive: int = 0
    background: int = 0
    waited_seconds: float = 0.0


class TeamsCalls:
    """Waits for the moment each call may go; one per process, shared by turns and the outbox."""

    def __init__(
        self,
        limits: TeamsLimits,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._sleep = sleep
        self.stats = CallStats()

    async def interactive(self, conversation: str | None, tenant: str) -> None:
        """A call answering a person: reserved at once, so it never queues behind the outbox."""
        self.stats.interactive += 1
        wait = self.limits.reserve(conversation, tenant)
        if wait > 0:
            await self._wait(wait)

    async def background(self, conversation: str | None, tenant: str) -> None:
        """An outbox call: waits until its conversation and tenant have room now."""
        self.stats.background += 1
        while (wait := self.limits.try_take(conversation, tenant)) > 0:
            await self._wait(wait)

    async def _wait(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        note_wait(seconds)
        await self._sleep(seconds)


def note_wait(seconds: float) -> None:
    """Time the current task spent queueing (for a slot with Teams, for its turn to commit)."""
    waited = _waited.get()
    if waited is not None:
        waited.append(seconds)


def use_http_threads(count: int) -> ThreadPoolExecutor:
    """Give the running loop a default executor of ``count`` threads; returns it (to shut down).

    Why: botbuilder's connector sends each call with ``requests`` in the loop's default
    executor (msrest's ``AsyncRequestsHTTPSender``), which has ``min(32, cores + 4)``
    threads: six on this two-core machine. At 200 ms a call that caps the bot at 30
    calls a second, whatever the limiter allows; the worker's sends in flight (and the
    turns' replies) need a thread each.
    """
    executor = ThreadPoolExecutor(max_workers=count, thread_name_prefix="teams-http")
    asyncio.get_running_loop().set_default_executor(executor)
    return executor


def start_counting_waits() -> list[float]:
    """In the caller's task from now: the limiter's waits are appended to the returned list."""
    waited: list[float] = []
    _waited.set(waited)
    return waited


def conversation_key(conversation_id: str | None) -> str | None:
    """The limiter's key for a conversation (the outbox worker uses the same)."""
    return f"conversation:{conversation_id}" if conversation_id else None


async def count_call(turn_context: TurnContext) -> None:
    """Before a call a handler makes itself (a roster read): counted on the tenant's budget."""
    calls = turn_context.turn_state.get(TEAMS_CALLS)
    if isinstance(calls, TeamsCalls):
        await _acquire(calls, turn_context, None)


async def _acquire(calls: TeamsCalls, turn_context: TurnContext, conversation: str | None) -> None:
    background = turn_context.turn_state.get(BACKGROUND_TENANT)
    if isinstance(background, str):
        await calls.background(conversation, background)
    else:
        await calls.interactive(conversation, tenant_of(turn_context.activity) or DEFAULT_TENANT)


class TeamsCallsMiddleware(Middleware):  # type: ignore[misc]
    """Paces every post, update and delete of every turn through :class:`TeamsCalls`."""

    def __init__(self, calls: TeamsCalls) -> None:
        self._calls = calls

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        context.turn_state[TEAMS_CALLS] = self._calls
        context.on_send_activities(self._on_send)
        context.on_update_activity(self._on_update)
        context.on_delete_activity(self._on_delete)
        await logic()

    def _key(self, context: TurnContext) -> str | None:
        conversation = context.activity.conversation
        return conversation_key(conversation.id if conversation is not None else None)

    # botbuilder runs the handlers, then the call itself (``TurnContext._emit``): what
    # a handler awaits happens before the call leaves.
    async def _on_send(self, context: TurnContext, activities: list[Activity], next_handler: Next) -> None:
        for activity in activities:
            if activity.type not in NOT_SENT_TYPES:
                await _acquire(self._calls, context, self._key(context))
        await next_handler()

    async def _on_update(self, context: TurnContext, activity: Activity, next_handler: Next) -> None:
        await _acquire(self._calls, context, self._key(context))
        await next_handler()

    async def _on_delete(self, context: TurnContext, reference: Any, next_handler: Next) -> None:
        await _acquire(self._calls, context, self._key(context))
        await next_handler()
