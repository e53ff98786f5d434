"""Hooks other wings register to hear that a forum's programme changed.

Why hooks: check-in rounds (and their digests) are derived from the programme, so adding,
editing, cancelling or importing meetings must move them in the same transaction; but the
meetings wing must never import the wings built on it. They register a callable here from
their ``*_context`` and the meetings code calls every one after each change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

ProgrammeHook = Callable[[AsyncSession, int, datetime], Awaitable[None]]
"""(session, forum_id, now): re-derive what follows the forum's programme, in the caller's transaction."""


class ProgrammeHooks:
    def __init__(self) -> None:
        self._hooks: dict[str, ProgrammeHook] = {}

    def register(self, name: str, hook: ProgrammeHook) -> None:
        if name in self._hooks:
            raise ValueError(f"programme hook {name!r} registered twice")
        self._hooks[name] = hook

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._hooks)

    async def programme_changed(self, session: AsyncSession, forum_id: int, now: datetime) -> None:
        for name, hook in self._hooks.items():
            logger.debug("programme hook %s for forum %s", name, forum_id)
            await hook(session, forum_id, now)


NO_HOOKS = ProgrammeHooks()
"""For callers that have no other wing wired (a bare import in a test)."""
