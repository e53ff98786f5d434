"""The forum's team, its people and their roles, kept in step with Teams.

Why everything is an upsert: Teams sends the same install or member event
more than once (and a reinstall repeats them all), so every operation here
must leave the same rows behind however often it runs. A member who leaves
turns inactive at once (nothing more is sent to them) and is erased after the
grace period unless they rejoin (``forum.people.retention``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.delivery.personal_data import stop_messages_to
from forum.people.permissions import NotCoordinatorError, is_configured_coordinator, is_coordinator
from forum.people.retention import ensure_retention_job
from forum.people.views import forum_view, participant_view, person_view
from forum.types import ForumView, MemberInfo, ParticipantView, PersonView, Role, TeamInfo
from storage import roster_repository as repo
from storage.models import ForumRow, ParticipantRow, PersonRow
from storage.transactions import write_transaction
from storage.types import utcnow

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Registration:
    forum: ForumView
    is_new: bool
    """True when the team was unknown or inactive: the moment to say welcome."""


@dataclass(frozen=True)
class Actor:
    """The person behind an activity, with their membership in the forum at hand."""

    person: PersonView
    participant: ParticipantView | None
    forum: ForumView | None
    is_coordinator: bool


class PromotionError(Exception):
    """The person to promote could not be identified unambiguously."""

    def __init__(self, reason: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.candidates = candidates


class Roster:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], coordinators: Collection[str]) -> None:
        self._sessions = sessions
        self._coordinators = frozenset(c.lower() for c in coordinators)

    async def register_forum(self, team: TeamInfo) -> Registration:
        async def work(session: AsyncSession) -> Registration:
            row = await repo.forum_by_team(session, team.team_id)
            is_new = row is None or not row.active
            if row is None:
                row = ForumRow(team_id=team.team_id, locale=team.locale, locale_known=team.locale_known)
                session.add(row)
            elif team.locale_known and not row.locale_known:
                # Teams sends a locale-less conversationUpdate and an installationUpdate with
                # the installer's locale together, in either order: the one that says it wins.
                row.locale, row.locale_known = team.locale, True
            row.name = team.name or row.name
            row.tenant_id = team.tenant_id or row.tenant_id
            row.service_url = team.service_url or row.service_url
            if team.channel_reference:
                row.channel_reference = team.channel_reference
            row.active = True
            row.deactivated_at = None
            await session.flush()
            await ensure_retention_job(session, row, utcnow())
            logger.info("forum %s registered (team %s, new=%s)", row.id, row.team_id, is_new)
            return Registration(forum_view(row), is_new)

        return await self._write(work)

    async def forum_for_team(self, team_id: str) -> ForumView | None:
        async with self._sessions() as session:
            row = await repo.forum_by_team(session, team_id)
            return forum_view(row) if row is not None else None

    async def rename_forum(self, team_id: str, name: str) -> None:
        async def work(session: AsyncSession) -> None:
            row = await repo.forum_by_team(session, team_id)
            if row is not None and name:
                row.name = name

        await self._write(work)

    async def deactivate_forum(self, team_id: str) -> None:
        async def work(session: AsyncSession) -> None:
            row = await repo.forum_by_team(session, team_id)
            if row is not None:
                if row.active or row.deactivated_at is None:
                    row.deactivated_at = utcnow()
                row.active = False
                await ensure_retention_job(session, row, utcnow())
                logger.info("forum %s deactivated: bot removed from team %s", row.id, team_id)

        await self._write(work)

    async def sync_roster(self, forum_id: int, members: Iterable[MemberInfo]) -> int:
        """Make the forum's active participants exactly ``members``; returns how many."""
        present = list(members)

        async def work(session: AsyncSession) -> int:
            seen: set[int] = set()
            for member in present:
                row = await self._upsert_participant(session, forum_id, member)
                seen.add(row.id)
            for row in await repo.participants_of(session, forum_id, active_only=True):
                if row.id not in seen:
                    await self._leave(session, row)
            return len(present)

        return await self._write(work)

    async def add_members(self, forum_id: int, members: Iterable[MemberInfo]) -> None:
        joining = list(members)

        async def work(session: AsyncSession) -> None:
            for member in joining:
                await self._upsert_participant(session, forum_id, member)

        await self._write(work)

    async def remove_members(self, forum_id: int, teams_user_ids: Iterable[str]) -> None:
        leaving = list(teams_user_ids)

        async def work(session: AsyncSession) -> None:
            for teams_user_id in leaving:
                person = await repo.person_by_teams_id(session, teams_user_id)
                if person is None:
                    continue
                row = await repo.participant(session, forum_id, person.id)
                if row is not None and row.active:
                    await self._leave(session, row)

        await self._write(work)

    @staticmethod
    async def _leave(session: AsyncSession, row: ParticipantRow) -> None:
        """Teams says the member left: inactive now, nothing more sent, erased after the grace period."""
        row.active = False
        row.left_at = utcnow()
        await stop_messages_to(session, row.person_id, row.forum_id)

    async def set_preferred_locale(self, member: MemberInfo, locale: str) -> None:
        async def work(session: AsyncSession) -> None:
            person = await self._upsert_person(session, member)
            person.preferred_locale = locale

        await self._write(work)

    async def identify(
        self,
        member: MemberInfo,
        team_id: str | None,
        *,
        personal_reference: dict[str, Any] | None = None,
        locale: str | None = None,
    ) -> Actor:
        """Who is speaking, in which forum, and are they a coordinator there.

        In a channel the forum is the team's; in a 1:1 chat it is the forum the
        person most recently belongs to (the bot normally serves one forum).
        A 1:1 turn passes its ``personal_reference`` (and ``locale``), kept in
        the same transaction for the outbox to reach this person later.
        """

        async with self._sessions() as session:
            known = await repo.identity(session, member.teams_user_id, team_id)
        if known is not None and not _identity_changed(known[0], member, personal_reference, locale):
            return self._actor(*known)

        async def work(session: AsyncSession) -> Actor:
            person = await self._upsert_person(session, member)
            if personal_reference is not None:
                person.personal_reference = personal_reference
                if locale:
                    person.last_seen_locale = locale
            membership: ParticipantRow | None = None
            forum: ForumRow | None = None
            if team_id:
                forum = await repo.forum_by_team(session, team_id)
                if forum is not None:
                    membership = await repo.participant(session, forum.id, person.id)
            else:
                memberships = await repo.memberships_of(session, person.id)
                if memberships:
                    membership = memberships[0]
                    forum = await repo.forum_by_id(session, membership.forum_id)
            await session.flush()
            return self._actor(person, membership, forum)

        return await self._write(work)

    async def mark_typed_dialog(self, person_id: int, in_progress: bool) -> None:
        """Remember whether a typed dialog waits for this person's next 1:1 message.

        Why on the person: their row is read on every turn anyway, so a turn without a dialog
        in progress (nearly all of them) never reads the dialog state (``bot_state``).
        """

        async def work(session: AsyncSession) -> None:
            await repo.set_typed_dialog(session, person_id, in_progress)

        await self._write(work)

    def _actor(self, person: PersonRow, membership: ParticipantRow | None, forum: ForumRow | None) -> Actor:
        pview = person_view(person)
        part = participant_view(membership) if membership is not None else None
        return Actor(
            person=pview,
            participant=part,
            forum=forum_view(forum) if forum is not None else None,
            is_coordinator=is_coordinator(pview, part, self._coordinators),
        )

    async def promote_to_coordinator(self, actor: Actor, target: str) -> ParticipantView:
        """Make the forum member that ``target`` names a coordinator.

        ``target`` is a Teams user id (from an @mention), an AAD object id, an
        e-mail or part of a name; it must name exactly one member of the forum.
        """
        if not actor.is_coordinator or actor.forum is None:
            raise NotCoordinatorError("only coordinators may promote")
        forum_id = actor.forum.id

        async def work(session: AsyncSession) -> ParticipantView:
            people = await repo.people_matching(session, target.strip())
            rows = [
                row
                for person in people
                if (row := await repo.participant(session, forum_id, person.id)) is not None and row.active
            ]
            if not rows:
                raise PromotionError("not_found")
            if len(rows) > 1:
                raise PromotionError("ambiguous", tuple(sorted(r.person.name for r in rows)))
            rows[0].role = Role.COORDINATOR.value
            await session.flush()
            logger.info("participant %s promoted to coordinator by person %s", rows[0].id, actor.person.id)
            return participant_view(rows[0])

        return await self._write(work)

    async def participants(self, forum_id: int) -> list[ParticipantView]:
        async with self._sessions() as session:
            return [participant_view(row) for row in await repo.participants_of(session, forum_id)]

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction, again if a concurrent insert won a race.

        Teams sends ``installationUpdate`` and ``conversationUpdate`` for one
        install at the same moment; both upsert the same rows, and the loser
        of a unique-key race simply re-reads what the winner wrote. A busy
        database is retried too (``storage.transactions``).
        """
        return await write_transaction(self._sessions, work, also_retry=(IntegrityError,))

    async def _upsert_person(self, session: AsyncSession, member: MemberInfo) -> PersonRow:
        person = await repo.person_by_teams_id(session, member.teams_user_id)
        if person is None:
            person = PersonRow(teams_user_id=member.teams_user_id, name=member.name or "")
            session.add(person)
        if member.name:
            person.name = member.name
        person.aad_object_id = member.aad_object_id or person.aad_object_id
        person.email = member.email or person.email
        person.tenant_id = member.tenant_id or person.tenant_id
        await session.flush()
        return person

    async def _upsert_participant(self, session: AsyncSession, forum_id: int, member: MemberInfo) -> ParticipantRow:
        person = await self._upsert_person(session, member)
        row = await repo.participant(session, forum_id, person.id)
        if row is None:
            row = ParticipantRow(forum_id=forum_id, person_id=person.id, role=Role.PARTICIPANT.value)
            session.add(row)
        row.active = True
        row.left_at = None
        if is_configured_coordinator(person_view(person), self._coordinators):
            row.role = Role.COORDINATOR.value
        await session.flush()
        await session.refresh(row)
        return row


def _without_activity(reference: dict[str, Any] | None) -> dict[str, Any] | None:
    """A conversation reference minus the id of the activity it came with (new every turn)."""
    if reference is None:
        return None
    return {key: value for key, value in reference.items() if key != "activityId"}


def _identity_changed(
    person: PersonRow, member: MemberInfo, personal_reference: dict[str, Any] | None, locale: str | None
) -> bool:
    """Whether this turn tells anything new about a known person (then, and only then, a write).

    Mirrors ``Roster._upsert_person`` and ``identify``: a value the activity
    does not carry never counts as a change.
    """
    if member.name and member.name != person.name:
        return True
    for given, stored in (
        (member.aad_object_id, person.aad_object_id),
        (member.email, person.email),
        (member.tenant_id, person.tenant_id),
    ):
        if given and given != stored:
            return True
    if personal_reference is not None:
        if _without_activity(personal_reference) != _without_activity(person.personal_reference):
            return True
        if locale and locale != person.last_seen_locale:
            return True
    return False
