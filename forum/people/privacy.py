"""The person's rights in chat: see their data, download it, have it erased.

Why the download is a signed link and not a file in the chat: Teams bots cannot attach a
file to a 1:1 message without OneDrive consent, and a link that the bot signs for fifteen
minutes, bound to the person's Teams id, can be opened in a browser without anyone else's
help; it holds nothing until it is opened (the export is built then, from the database).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.people.erasure import ErasureReason, erase_person
from forum.people.permissions import NotCoordinatorError
from forum.people.personal_data import Description, PersonalDataExport, PersonalDataRegistry
from forum.people.roster import Actor
from forum.signing import InvalidLinkError, LinkSigner
from forum.untrusted import parse_int
from storage import roster_repository as repo

logger = logging.getLogger(__name__)

EXPORT_PURPOSE = "people.my-data"
EXPORT_LIFETIME = timedelta(minutes=15)
EXPORT_FORMAT = "foorumibotti.my-data/1"


@dataclass(frozen=True)
class MemberToForget:
    person_id: int
    name: str
    active: bool


class NoSuchMemberError(LookupError):
    """A coordinator named no one, or more than one person, in their forum."""

    def __init__(self, candidates: tuple[str, ...] = ()) -> None:
        super().__init__("ambiguous" if candidates else "not found")
        self.candidates = candidates


class PrivacyService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], registry: PersonalDataRegistry, signer: LinkSigner
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._signer = signer

    @property
    def descriptions(self) -> tuple[Description, ...]:
        return self._registry.descriptions()

    async def my_data(self, person_id: int) -> PersonalDataExport:
        async with self._sessions() as session:
            return await self._registry.export(session, person_id)

    def download_token(self, actor: Actor, now: datetime) -> str:
        return self._signer.sign(
            EXPORT_PURPOSE, str(actor.person.id), now=now, lifetime=EXPORT_LIFETIME, binding=actor.person.teams_user_id
        )

    async def export_for_token(self, token: str, now: datetime) -> dict[str, Any]:
        """The JSON download behind a link; ``InvalidLinkError`` for a bad, expired or orphaned one."""
        person_id = parse_int(self._signer.peek(token), minimum=1)
        if person_id is None:
            raise InvalidLinkError("not a person's link")
        async with self._sessions() as session:
            person = await repo.person_by_id(session, person_id)
            if person is None:
                raise InvalidLinkError("the person is gone")
            self._signer.verify(EXPORT_PURPOSE, token, now=now, binding=person.teams_user_id)
            export = await self._registry.export(session, person.id)
        return {"format": EXPORT_FORMAT, "generated_at": now.isoformat(), "sections": export.as_json()}

    async def forget_me(self, actor: Actor) -> dict[str, Any]:
        async with self._sessions() as session, session.begin():
            return await erase_person(session, self._registry, actor.person.id, reason=ErasureReason.SELF)

    async def member_to_forget(self, actor: Actor, target: str) -> MemberToForget:
        """The one member (active or a leaver) of the coordinator's forum that ``target`` names."""
        forum_id = self._coordinators_forum(actor)
        async with self._sessions() as session:
            found = []
            for person in await repo.people_matching(session, target.strip()):
                membership = await repo.participant(session, forum_id, person.id)
                if membership is not None:
                    found.append(MemberToForget(person.id, person.name or person.email or "-", membership.active))
        if len(found) != 1:
            raise NoSuchMemberError(tuple(sorted(m.name for m in found)))
        return found[0]

    async def forget_member(self, actor: Actor, person_id: int) -> MemberToForget:
        """A coordinator erases a member who asked by other means; the record names the coordinator."""
        forum_id = self._coordinators_forum(actor)
        async with self._sessions() as session, session.begin():
            membership = await repo.participant(session, forum_id, person_id)
            person = await repo.person_by_id(session, person_id)
            if membership is None or person is None:
                raise NoSuchMemberError()
            forgotten = MemberToForget(person.id, person.name or "-", membership.active)
            await erase_person(
                session, self._registry, person_id, reason=ErasureReason.COORDINATOR, by_person_id=actor.person.id
            )
        return forgotten

    @staticmethod
    def _coordinators_forum(actor: Actor) -> int:
        if not actor.is_coordinator or actor.forum is None:
            raise NotCoordinatorError("only coordinators may erase someone else's data")
        return actor.forum.id
