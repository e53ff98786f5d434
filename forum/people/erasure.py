"""Erasing a person: every provider in one transaction, and a record that it was done.

Why a record: the operator must be able to show that a request was carried out (and a
coordinator's erasure on someone's behalf must say who acted). The record names the reason,
the acting coordinator and the counts, never the person erased.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.people.personal_data import PersonalDataRegistry
from storage import roster_repository as repo
from storage.models import ParticipantRow

logger = logging.getLogger(__name__)


class ErasureReason(StrEnum):
    SELF = "self"
    """The person said "forget me"."""
    COORDINATOR = "coordinator"
    """A coordinator acted on a request the person made by other means."""
    LEAVER = "leaver"
    """The person left the team and did not come back within the grace period."""
    RETENTION = "retention"
    """The forum closed and its retention period ran out."""


async def erase_person(
    session: AsyncSession,
    registry: PersonalDataRegistry,
    person_id: int,
    *,
    reason: ErasureReason,
    by_person_id: int | None = None,
) -> dict[str, Any]:
    """Erase everything the providers hold about ``person_id``; returns what each did."""
    summary = await registry.erase(session, person_id)
    actor = None if by_person_id == person_id else by_person_id
    await repo.add_erasure_record(session, reason=reason.value, by_person_id=actor, summary=summary)
    logger.info("personal data of person %s erased (%s, by person %s): %s", person_id, reason.value, actor, summary)
    return summary


async def erase_membership(
    session: AsyncSession, registry: PersonalDataRegistry, membership: ParticipantRow, *, reason: ErasureReason
) -> None:
    """Erase what one forum membership means: the whole person, unless they are active elsewhere.

    A person active in another forum keeps their profile there; only this membership (and
    what hangs on it by foreign key) goes, and that forum's own retention takes the rest later.
    """
    others = [
        row
        for row, _forum in await repo.all_memberships_of(session, membership.person_id)
        if row.id != membership.id and row.active
    ]
    if others:
        await session.delete(membership)
        await session.flush()
        logger.info(
            "membership %s removed (%s); person %s is active elsewhere",
            membership.id,
            reason.value,
            membership.person_id,
        )
        return
    await erase_person(session, registry, membership.person_id, reason=reason)
