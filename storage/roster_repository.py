"""Queries for forums, people and their memberships.

Functions take the caller's session so one domain operation is one
transaction, whatever number of rows it touches.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BotStateRow, ErasureRecordRow, ForumRow, MuseumRow, ParticipantRow, PersonRow


async def forum_by_team(session: AsyncSession, team_id: str) -> ForumRow | None:
    return await session.scalar(select(ForumRow).where(ForumRow.team_id == team_id))


async def forum_by_id(session: AsyncSession, forum_id: int) -> ForumRow | None:
    return await session.get(ForumRow, forum_id)


async def active_forums(session: AsyncSession) -> Sequence[ForumRow]:
    return (await session.scalars(select(ForumRow).where(ForumRow.active.is_(True)).order_by(ForumRow.id))).all()


async def set_typed_dialog(session: AsyncSession, person_id: int, in_progress: bool) -> None:
    await session.execute(
        update(PersonRow)
        .where(PersonRow.id == person_id, PersonRow.typed_dialog != in_progress)
        .values(typed_dialog=in_progress)
    )


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


_Identity = Select[PersonRow, ParticipantRow, ForumRow]


def _identity_statements() -> tuple[_Identity, _Identity]:
    """Built once (every turn runs one of them): building one took 0.3–0.4 ms of CPU."""
    in_team = (
        select(PersonRow, ParticipantRow, ForumRow)
        .select_from(PersonRow)
        .outerjoin(ForumRow, ForumRow.team_id == bindparam("team_id"))
        .outerjoin(
            ParticipantRow, and_(ParticipantRow.forum_id == ForumRow.id, ParticipantRow.person_id == PersonRow.id)
        )
        .where(PersonRow.teams_user_id == bindparam("teams_user_id"))
    )
    # Flat outer joins (SQLite scanned every participant to build a nested join first); a
    # membership in an active forum sorts first, and one in an inactive forum is no membership
    # (``identity`` drops it).
    in_personal_chat = (
        select(PersonRow, ParticipantRow, ForumRow)
        .select_from(PersonRow)
        .outerjoin(ParticipantRow, ParticipantRow.person_id == PersonRow.id)
        .outerjoin(ForumRow, and_(ForumRow.id == ParticipantRow.forum_id, ForumRow.active.is_(True)))
        .where(PersonRow.teams_user_id == bindparam("teams_user_id"))
        .order_by(ForumRow.id.is_(None), ParticipantRow.active.desc(), ParticipantRow.forum_id.desc())
        .limit(1)
    )
    return in_team, in_personal_chat


_IDENTITY_IN_TEAM, _IDENTITY_IN_PERSONAL_CHAT = _identity_statements()


async def identity(
    session: AsyncSession, teams_user_id: str, team_id: str | None
) -> tuple[PersonRow, ParticipantRow | None, ForumRow | None] | None:
    """The person, their membership and its forum, in one statement; None for a stranger.

    With ``team_id`` the membership is the one in that team's forum; without
    (a 1:1 chat), the person's most recent active membership in an active
    forum, as ``memberships_of`` orders them.
    """
    if team_id is not None:
        query, parameters = _IDENTITY_IN_TEAM, {"teams_user_id": teams_user_id, "team_id": team_id}
    else:
        query, parameters = _IDENTITY_IN_PERSONAL_CHAT, {"teams_user_id": teams_user_id}
    row = (await session.execute(query, parameters)).unique().first()
    if row is None:
        return None
    person, membership, forum = row
    if forum is None:
        membership = None  # a membership of an inactive forum (or of none): no forum for the turn
    return person, membership, forum


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


async def active_member_count(session: AsyncSession, forum_id: int) -> int:
    query = select(func.count()).where(ParticipantRow.forum_id == forum_id, ParticipantRow.active.is_(True))
    return int(await session.scalar(query) or 0)


async def museum_by_name(session: AsyncSession, forum_id: int, name: str) -> MuseumRow | None:
    return await session.scalar(
        select(MuseumRow).where(MuseumRow.forum_id == forum_id, MuseumRow.name.ilike(name.strip()))
    )


async def museums_of(session: AsyncSession, forum_id: int) -> Sequence[MuseumRow]:
    return (
        await session.scalars(select(MuseumRow).where(MuseumRow.forum_id == forum_id).order_by(MuseumRow.name))
    ).all()


# --- one person's data ("my data", "forget me", leavers) ----------------


async def person_by_id(session: AsyncSession, person_id: int) -> PersonRow | None:
    return await session.get(PersonRow, person_id, populate_existing=True)


async def all_memberships_of(session: AsyncSession, person_id: int) -> Sequence[tuple[ParticipantRow, ForumRow]]:
    """Every membership, in active and closed forums alike, with its forum."""
    query = (
        select(ParticipantRow, ForumRow)
        .join(ForumRow, ForumRow.id == ParticipantRow.forum_id)
        .where(ParticipantRow.person_id == person_id)
        .order_by(ParticipantRow.forum_id)
    )
    return [(row, forum) for row, forum in (await session.execute(query)).unique().all()]


async def state_documents(session: AsyncSession, keys: Collection[str]) -> Sequence[BotStateRow]:
    if not keys:
        return []
    return (await session.scalars(select(BotStateRow).where(BotStateRow.key.in_(keys)).order_by(BotStateRow.key))).all()


async def delete_state_documents(session: AsyncSession, keys: Collection[str]) -> int:
    if not keys:
        return 0
    result = await session.execute(delete(BotStateRow).where(BotStateRow.key.in_(keys)))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_person(session: AsyncSession, person_id: int) -> tuple[int, int]:
    """Delete the person's memberships and the person; returns (memberships, people) deleted."""
    memberships = await session.execute(delete(ParticipantRow).where(ParticipantRow.person_id == person_id))
    people = await session.execute(delete(PersonRow).where(PersonRow.id == person_id))
    return int(getattr(memberships, "rowcount", 0) or 0), int(getattr(people, "rowcount", 0) or 0)


async def forget_erasure_actor(session: AsyncSession, person_id: int) -> int:
    """Erasure records keep that a coordinator acted, not which one, once that coordinator is gone."""
    result = await session.execute(
        update(ErasureRecordRow).where(ErasureRecordRow.by_person_id == person_id).values(by_person_id=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def erasures_by(session: AsyncSession, person_id: int) -> Sequence[ErasureRecordRow]:
    query = select(ErasureRecordRow).where(ErasureRecordRow.by_person_id == person_id).order_by(ErasureRecordRow.id)
    return (await session.scalars(query)).all()


async def add_erasure_record(
    session: AsyncSession, *, reason: str, by_person_id: int | None, summary: dict[str, Any]
) -> ErasureRecordRow:
    row = ErasureRecordRow(reason=reason, by_person_id=by_person_id, summary=summary)
    session.add(row)
    await session.flush()
    return row


async def leavers_due(session: AsyncSession, forum_id: int, left_before: datetime) -> Sequence[ParticipantRow]:
    """Inactive members of the forum who left before ``left_before`` (and have not rejoined)."""
    query = (
        select(ParticipantRow)
        .where(
            ParticipantRow.forum_id == forum_id,
            ParticipantRow.active.is_(False),
            ParticipantRow.left_at.is_not(None),
            ParticipantRow.left_at <= left_before,
        )
        .order_by(ParticipantRow.id)
    )
    return (await session.scalars(query)).unique().all()


async def all_forums(session: AsyncSession) -> Sequence[ForumRow]:
    return (await session.scalars(select(ForumRow).order_by(ForumRow.id))).all()
