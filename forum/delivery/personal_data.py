"""The delivery wing's personal data: the messages the bot sent, or meant to send, to a person.

Why scrub and not delete the sent ones: the outbox's counts are how coordinators see that
messages reached people; a sent row keeps its purpose, status and times (no one's data)
and loses what it said, where it went and whom it was for.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from forum.i18n import N_
from forum.people.personal_data import Description, ExportSection, Line
from storage import outbox_repository as repo

logger = logging.getLogger(__name__)


class DeliveryData:
    """Provider ``delivery``: outbox rows addressed to the person."""

    name = "delivery"
    erase_order = 50
    tables: Mapping[str, tuple[str, ...]] = {
        "outbox_message": (
            "recipient_person_id",
            "payload",
            "data",
            "conversation_reference",
            "conversation_id",
            "idempotency_key",
            "last_error",
        )
    }
    description = Description(N_("privacy.delivery.title"), N_("privacy.delivery.goes"), N_("privacy.delivery.stays"))

    async def export(self, session: AsyncSession, person_id: int) -> ExportSection:
        rows = await repo.rows_to_person(session, person_id)
        data = {
            "messages": [
                {
                    "purpose": row.purpose,
                    "status": row.status,
                    "created_at": row.created_at.isoformat(),
                    "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                    "activity": row.payload,
                    "data": row.data,
                }
                for row in rows
            ]
        }
        by_status = Counter(row.status for row in rows)
        lines = (
            Line(
                N_("mydata.delivery.messages"),
                {
                    "count": str(len(rows)),
                    "sent": str(by_status.get(repo.SENT, 0)),
                    "waiting": str(by_status.get(repo.PENDING, 0)),
                },
            ),
        )
        return ExportSection(data, lines)

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, int]:
        cancelled = await repo.cancel_pending_to(session, person_id)
        scrubbed = await repo.scrub_rows_to_person(session, person_id)
        return {"outbox_cancelled": cancelled, "outbox_scrubbed": scrubbed}


async def stop_messages_to(session: AsyncSession, person_id: int, forum_id: int) -> int:
    """A member left the forum's team: nothing more of that forum goes to them."""
    cancelled = await repo.cancel_pending_to(session, person_id, forum_id)
    if cancelled:
        logger.info("%d pending messages to person %s cancelled: left forum %s", cancelled, person_id, forum_id)
    return cancelled
