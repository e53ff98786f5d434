"""Queries for forums, people and their memberships.

Functions take the caller's session so one domain operation is one
transaction, whatever number of rows it touches.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ForumRow, MuseumRow, ParticipantRow, PersonRow


async def forum_by_team(session: AsyncSession, team_id: str) -> ForumRow | None:
    return await session.scalar(select(ForumRow).where(ForumRow.team_id == team_id))


async def forum_by_id(session: AsyncSession, forum_id: int) -> ForumRow | None:
    return await session.get(ForumRow, forum_id)


async def active_forums(session: AsyncSession) -> Sequence[ForumRow]:
    return (await session.scalars(select(ForumRow).where(ForumRow.active.is_(True)).order_by(ForumRow.id))).all()


async def person_by_teams_id(session: AsyncSession, teams_user_id: str) -> PersonRow | None:
    return await session.scalar(select(PersonRow).where(PersonRow.teams_user_id == teams_user_id))


async def people_matching(session: AsyncSession, needle: str) -> Sequence[PersonRow]:
    """People whose name, e-mail or AAD id matches ``needle`` (case-insensitive)."""
    lowered = needle.lower()
    return (
        await session.scalars(
            select(PersonRow).where(
                or_(
                    PersonRow.aad_object_id == needle,
                    PersonRow.teams_user_id == needle,
                    PersonRow.email.ilike(lowered),
                    PersonRow.name.ilike(f"%{lowered}%"),
                )
            )
        )
    ).all()


async def participant(session: AsyncSession, forum_id: int, person_id: int) -> ParticipantRow | None:
    return await session.scalar(
        select(ParticipantRow).where(ParticipantRow.forum_id == forum_id, ParticipantRow.person_id == person_id)
    )


async def memberships_of(session: AsyncSession, person_id: int) -> Sequence[ParticipantRow]:
    return (
        await session.scalars(
            select(ParticipantRow)
            .join(ForumRow, ForumRow.id == ParticipantRow.forum_id)
            .where(ParticipantRow.person_id == person_id, ForumRow.active.is_(True))
            .order_by(ParticipantRow.active.desc(), ParticipantRow.forum_id.desc())
        )
    ).all()


async def participants_of(
    session: AsyncSession, forum_id: int, *, active_only: bool = True
) -> Sequence[ParticipantRow]:
    query = select(ParticipantRow).where(ParticipantRow.forum_id == forum_id)
    if active_only:
        query = query.where(ParticipantRow.active.is_(True))
    return (await session.scalars(query.order_by(ParticipantRow.id))).unique().all()


async def museum_by_name(session: AsyncSession, forum_id: int, name: str) -> MuseumRow | None:
    return await session.scalar(
        select(MuseumRow).where(MuseumRow.forum_id == forum_id, MuseumRow.name.ilike(name.strip()))
    )


async def museums_of(session: AsyncSession, forum_id: int) -> Sequence[MuseumRow]:
    return (
        await session.scalars(select(MuseumRow).where(MuseumRow.forum_id == forum_id).order_by(MuseumRow.name))
    ).all()
