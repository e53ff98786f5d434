"""Hooks other wings register to hear that a forum's programme changed.

Why hooks: check-in rounds (and their digests) are derived from the programme, so adding,
editing, cancelling or importing meetings must move them in the same transaction; but the
meetings wing must never import the wings built on it. They register a callable here from
their ``*_context`` and the meetings code calls every one after each change.

A wing may also own a table of the programme file (``[checkins]``): it registers the
table's reader, which ``programme_file`` runs with the rest of the checks, and what to do
with the value, which the import runs before the programme hooks (so rounds are derived
with the new rules in the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.meetings.programme_file import ProgrammeError, ProgrammeProblem, SectionReader

logger = logging.getLogger(__name__)

ProgrammeHook = Callable[[AsyncSession, int, datetime], Awaitable[None]]
"""(session, forum_id, now): re-derive what follows the forum's programme, in the caller's transaction."""
SectionWriter = Callable[[AsyncSession, int, object], Awaitable[None]]
"""(session, forum_id, the reader's value): store a programme table's settings for the forum."""


class ProgrammeHooks:
    def __init__(self) -> None:
        self._hooks: dict[str, ProgrammeHook] = {}
        self._readers: dict[str, SectionReader] = {}
        self._writers: dict[str, SectionWriter] = {}

    def register_section(self, name: str, read: SectionReader, write: SectionWriter) -> None:
        """The programme file's ``[name]`` table belongs to the registering wing."""
        if name in self._readers:
            raise ValueError(f"programme section {name!r} registered twice")
        self._readers[name] = read
        self._writers[name] = write

    @property
    def section_readers(self) -> Mapping[str, SectionReader]:
        return dict(self._readers)

    async def write_sections(self, session: AsyncSession, forum_id: int, sections: Mapping[str, object]) -> None:
        """Store each table read from the file; one read by readers not wired here cannot be imported."""
        missing = sorted(set(sections) - set(self._writers))
        if missing:
            raise ProgrammeError(
                [ProgrammeProblem(None, f"[{name}]", "this import does not know the section") for name in missing]
            )
        for name, value in sections.items():
            await self._writers[name](session, forum_id, value)

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
