"""Queries of the check-ins wing; each takes the caller's session (one domain action, one transaction)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.checkins.models import (
    CheckinPairRow,
    CheckinPersonRow,
    CheckinReplyRow,
    CheckinRoundRow,
    CheckinRow,
    CheckinSettingsRow,
    ExperimentRow,
    ProjectRow,
)
from storage.models import MeetingRow, MuseumRow, ParticipantRow

# --- rounds -----------------------------------------------------------------


async def settings_of(session: AsyncSession, forum_id: int) -> CheckinSettingsRow | None:
    return await session.get(CheckinSettingsRow, forum_id)


async def rounds_of(session: AsyncSession, forum_id: int, *, with_cancelled: bool = False) -> Sequence[CheckinRoundRow]:
    query = select(CheckinRoundRow).where(CheckinRoundRow.forum_id == forum_id)
    if not with_cancelled:
        query = query.where(CheckinRoundRow.cancelled.is_(False))
    return (await session.scalars(query.order_by(CheckinRoundRow.opens_at, CheckinRoundRow.id))).all()


async def round_by_id(session: AsyncSession, round_id: int, *, for_update: bool = False) -> CheckinRoundRow | None:
    query = select(CheckinRoundRow).where(CheckinRoundRow.id == round_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query.execution_options(populate_existing=True))


async def round_with_meeting_number(session: AsyncSession, round_id: int) -> tuple[CheckinRoundRow, int | None] | None:
    """The round and the number of the meeting it leads to, in one statement (a check-in's save)."""
    query = (
        select(CheckinRoundRow, MeetingRow.number)
        .outerjoin(MeetingRow, MeetingRow.id == CheckinRoundRow.meeting_id)
        .where(CheckinRoundRow.id == round_id)
        .execution_options(populate_existing=True)
    )
    found = (await session.execute(query)).first()
    return (found[0], found[1]) if found is not None else None


# The check-in submit's reads are built once with bind parameters (as the RSVP's and the
# vote's): building and cache-keying a statement cost more than SQLite's run of it.
_OPEN_ROUNDS = (
    select(CheckinRoundRow)
    .where(
        CheckinRoundRow.forum_id == bindparam("forum_id"),
        CheckinRoundRow.cancelled.is_(False),
        CheckinRoundRow.opened_at.is_not(None),
        CheckinRoundRow.opened_at <= bindparam("now"),
        CheckinRoundRow.closes_at > bindparam("now"),
    )
    .order_by(CheckinRoundRow.opens_at.desc())
)


async def open_rounds(session: AsyncSession, forum_id: int, now: datetime) -> Sequence[CheckinRoundRow]:
    return (await session.scalars(_OPEN_ROUNDS, {"forum_id": forum_id, "now": now})).all()


async def next_round_after(session: AsyncSession, forum_id: int, moment: datetime) -> CheckinRoundRow | None:
    """The first round, not cancelled, that closes after ``moment`` (open or yet to open)."""
    query = (
        select(CheckinRoundRow)
        .where(
            CheckinRoundRow.forum_id == forum_id,
            CheckinRoundRow.cancelled.is_(False),
            CheckinRoundRow.closes_at > moment,
        )
        .order_by(CheckinRoundRow.opens_at, CheckinRoundRow.id)
        .limit(1)
    )
    return await session.scalar(query)


# --- check-ins --------------------------------------------------------------


_CHECKIN_OF = (
    select(CheckinRow)
    .where(CheckinRow.round_id == bindparam("round_id"), CheckinRow.participant_id == bindparam("participant_id"))
    .execution_options(populate_existing=True)
)


async def checkin_of(session: AsyncSession, round_id: int, participant_id: int) -> CheckinRow | None:
    return await session.scalar(_CHECKIN_OF, {"round_id": round_id, "participant_id": participant_id})


async def checkin_by_id(session: AsyncSession, checkin_id: int) -> CheckinRow | None:
    return await session.get(CheckinRow, checkin_id)


async def checkins_in_rounds(session: AsyncSession, round_ids: Collection[int]) -> Sequence[CheckinRow]:
    if not round_ids:
        return []
    query = select(CheckinRow).where(CheckinRow.round_id.in_(list(round_ids)))
    return (await session.scalars(query.order_by(CheckinRow.answered_at, CheckinRow.id))).all()


async def checkins_of_museum(session: AsyncSession, museum_id: int, *, shared_only: bool) -> Sequence[CheckinRow]:
    query = select(CheckinRow).where(CheckinRow.museum_id == museum_id)
    if shared_only:
        query = query.where(CheckinRow.shared.is_(True))
    return (await session.scalars(query.order_by(CheckinRow.answered_at.desc(), CheckinRow.id.desc()))).all()


async def last_checkin_by_museum(session: AsyncSession, forum_id: int) -> dict[int, datetime]:
    query = (
        select(CheckinRow.museum_id, func.max(CheckinRow.updated_at))
        .join(CheckinRoundRow, CheckinRoundRow.id == CheckinRow.round_id)
        .where(CheckinRoundRow.forum_id == forum_id, CheckinRow.museum_id.is_not(None))
        .group_by(CheckinRow.museum_id)
    )
    return {int(museum): moment for museum, moment in (await session.execute(query)).all() if museum is not None}


async def shared_checkins_between(
    session: AsyncSession, forum_id: int, since: datetime | None, until: datetime
) -> Sequence[CheckinRow]:
    query = (
        select(CheckinRow)
        .join(CheckinRoundRow, CheckinRoundRow.id == CheckinRow.round_id)
        .where(
            CheckinRoundRow.forum_id == forum_id,
            CheckinRow.shared.is_(True),
            CheckinRow.nothing_to_report.is_(False),
            CheckinRow.updated_at < until,
        )
    )
    if since is not None:
        query = query.where(CheckinRow.updated_at >= since)
    return (await session.scalars(query.order_by(CheckinRow.updated_at.desc(), CheckinRow.id.desc()))).all()


async def museums_answered(session: AsyncSession, round_id: int) -> set[int]:
    query = select(CheckinRow.museum_id).where(CheckinRow.round_id == round_id, CheckinRow.museum_id.is_not(None))
    return {int(value) for value in (await session.scalars(query.distinct())).all() if value is not None}


async def participants_answered(session: AsyncSession, round_id: int) -> set[int]:
    query = select(CheckinRow.participant_id).where(
        CheckinRow.round_id == round_id, CheckinRow.participant_id.is_not(None)
    )
    return {int(value) for value in (await session.scalars(query)).all() if value is not None}


# --- projects and experiments -------------------------------------------------


async def project_of_museum(session: AsyncSession, museum_id: int) -> ProjectRow | None:
    return await session.scalar(select(ProjectRow).where(ProjectRow.museum_id == museum_id))


_EXPERIMENTS_OF_MUSEUM = (
    select(ExperimentRow)
    .join(ProjectRow, ProjectRow.id == ExperimentRow.project_id)
    .where(ProjectRow.museum_id == bindparam("museum_id"))
)
_LIVE_EXPERIMENTS_OF_MUSEUM = _EXPERIMENTS_OF_MUSEUM.where(ExperimentRow.removed.is_(False)).order_by(ExperimentRow.id)
_ALL_EXPERIMENTS_OF_MUSEUM = _EXPERIMENTS_OF_MUSEUM.order_by(ExperimentRow.id)


async def experiments_of_museum(
    session: AsyncSession, museum_id: int, *, with_removed: bool = False
) -> Sequence[ExperimentRow]:
    query = _ALL_EXPERIMENTS_OF_MUSEUM if with_removed else _LIVE_EXPERIMENTS_OF_MUSEUM
    return (await session.scalars(query, {"museum_id": museum_id})).all()


async def experiments_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, ExperimentRow]:
    if not ids:
        return {}
    rows = (await session.scalars(select(ExperimentRow).where(ExperimentRow.id.in_(list(ids))))).all()
    return {row.id: row for row in rows}


async def museum_of_experiment(session: AsyncSession, experiment_id: int) -> int | None:
    query = (
        select(ProjectRow.museum_id)
        .join(ExperimentRow, ExperimentRow.project_id == ProjectRow.id)
        .where(ExperimentRow.id == experiment_id)
    )
    return await session.scalar(query)


async def museum_by_id(session: AsyncSession, museum_id: int) -> MuseumRow | None:
    return await session.get(MuseumRow, museum_id)


_MUSEUM_NAMES = select(MuseumRow.id, MuseumRow.name).where(MuseumRow.forum_id == bindparam("forum_id"))


async def museums_by_id(session: AsyncSession, forum_id: int) -> dict[int, str]:
    """Id → name of the forum's museums: two columns, no ORM objects."""
    rows = await session.execute(_MUSEUM_NAMES, {"forum_id": forum_id})
    return {museum_id: name for museum_id, name in rows}


# --- people ---


async def participant_by_id(session: AsyncSession, participant_id: int) -> ParticipantRow | None:
    return await session.get(ParticipantRow, participant_id)


# -------------------------------------------------------------------


async def person_settings(session: AsyncSession, participant_id: int) -> CheckinPersonRow | None:
    return await session.get(CheckinPersonRow, participant_id, populate_existing=True)


async def people_settings(session: AsyncSession, participant_ids: Collection[int]) -> dict[int, CheckinPersonRow]:
    if not participant_ids:
        return {}
    query = select(CheckinPersonRow).where(CheckinPersonRow.participant_id.in_(list(participant_ids)))
    return {row.participant_id: row for row in (await session.scalars(query)).all()}


async def pending_members(session: AsyncSession, forum_id: int) -> Sequence[tuple[CheckinPersonRow, ParticipantRow]]:
    query = (
        select(CheckinPersonRow, ParticipantRow)
        .join(ParticipantRow, ParticipantRow.id == CheckinPersonRow.participant_id)
        .where(ParticipantRow.forum_id == forum_id, CheckinPersonRow.pending_museum_id.is_not(None))
    )
    return [(a, b) for a, b in (await session.execute(query)).unique().all()]


# --- pairs and replies ----------------------------------------------------------


async def friend_of(session: AsyncSession, museum_id: int) -> int | None:
    return await session.scalar(select(CheckinPairRow.friend_museum_id).where(CheckinPairRow.museum_id == museum_id))


async def pairs_of(session: AsyncSession, forum_id: int) -> Sequence[CheckinPairRow]:
    query = select(CheckinPairRow).where(CheckinPairRow.forum_id == forum_id).order_by(CheckinPairRow.id)
    return (await session.scalars(query)).all()


async def remove_pairs_of(session: AsyncSession, museum_ids: Collection[int]) -> None:
    ids = list(museum_ids)
    await session.execute(
        delete(CheckinPairRow).where(CheckinPairRow.museum_id.in_(ids) | CheckinPairRow.friend_museum_id.in_(ids))
    )


async def clear_pairs(session: AsyncSession, forum_id: int) -> None:
    await session.execute(delete(CheckinPairRow).where(CheckinPairRow.forum_id == forum_id))


async def replies_to(session: AsyncSession, checkin_ids: Collection[int]) -> Sequence[CheckinReplyRow]:
    if not checkin_ids:
        return []
    query = select(CheckinReplyRow).where(CheckinReplyRow.checkin_id.in_(list(checkin_ids)))
    return (await session.scalars(query.order_by(CheckinReplyRow.id))).all()


# --- one person's data ------------------------------------------------------------


async def checkins_of_person(session: AsyncSession, person_id: int) -> Sequence[CheckinRow]:
    query = (
        select(CheckinRow)
        .join(ParticipantRow, ParticipantRow.id == CheckinRow.participant_id)
        .where(ParticipantRow.person_id == person_id)
        .order_by(CheckinRow.answered_at)
    )
    return (await session.scalars(query)).all()


def _participants_of_person(person_id: int) -> Select[Any]:
    return select(ParticipantRow.id).where(ParticipantRow.person_id == person_id)


async def replies_of_person(session: AsyncSession, person_id: int) -> Sequence[CheckinReplyRow]:
    query = select(CheckinReplyRow).where(CheckinReplyRow.participant_id.in_(_participants_of_person(person_id)))
    return (await session.scalars(query.order_by(CheckinReplyRow.id))).all()


async def settings_of_person(session: AsyncSession, person_id: int) -> Sequence[CheckinPersonRow]:
    query = select(CheckinPersonRow).where(CheckinPersonRow.participant_id.in_(_participants_of_person(person_id)))
    return (await session.scalars(query)).all()


async def erase_person(session: AsyncSession, person_id: int) -> dict[str, int]:
    """Unshared check-ins, replies and preferences go; shared check-ins stay without their author."""
    mine = _participants_of_person(person_id)
    counts: dict[str, int] = {}
    result = await session.execute(
        delete(CheckinRow).where(CheckinRow.participant_id.in_(mine), CheckinRow.shared.is_(False))
    )
    counts["checkin"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(
        update(CheckinRow).where(CheckinRow.participant_id.in_(mine)).values(participant_id=None)
    )
    counts["checkin_anonymised"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(delete(CheckinReplyRow).where(CheckinReplyRow.participant_id.in_(mine)))
    counts["checkin_reply"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(delete(CheckinPersonRow).where(CheckinPersonRow.participant_id.in_(mine)))
    counts["checkin_person"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(
        update(ProjectRow).where(ProjectRow.updated_by_participant_id.in_(mine)).values(updated_by_participant_id=None)
    )
    await session.execute(
        update(ExperimentRow)
        .where(ExperimentRow.created_by_participant_id.in_(mine))
        .values(created_by_participant_id=None)
    )
    return counts
