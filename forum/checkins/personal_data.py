"""The check-ins wing's personal data: a person's check-ins, replies and preferences.

What "forget me" does here: unshared check-ins, replies and preferences go; a check-in the
person shared with the forum stays as "a participant of MUSEUM" (its author removed),
because the other museums sparred it and their replies hang on it. Rounds, settings and
pairs name museums and dates, never people (declared in ``bot/checkins/context.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from forum.i18n import N_
from forum.people.personal_data import Description, ExportSection, Line
from storage.checkins import repository as repo


class CheckinsData:
    """Provider ``checkins``."""

    name = "checkins"
    erase_order = 0
    tables: Mapping[str, tuple[str, ...]] = {
        "checkin": ("participant_id", "tried", "learned", "help_wanted", "answered_at", "updated_at"),
        "checkin_person": ("participant_id", "muted", "away_until", "pending_museum_id"),
        "checkin_reply": ("participant_id", "text", "created_at"),
        "checkin_project": ("updated_by_participant_id",),
        "checkin_experiment": ("created_by_participant_id",),
    }
    description = Description(N_("privacy.checkins.title"), N_("privacy.checkins.goes"), N_("privacy.checkins.stays"))

    async def export(self, session: AsyncSession, person_id: int) -> ExportSection:
        checkins = await repo.checkins_of_person(session, person_id)
        replies = await repo.replies_of_person(session, person_id)
        settings = await repo.settings_of_person(session, person_id)
        data = {
            "checkins": [
                {
                    "round_id": row.round_id,
                    "museum_id": row.museum_id,
                    "experiment_id": row.experiment_id,
                    "nothing_to_report": row.nothing_to_report,
                    "status": row.status,
                    "tried": row.tried,
                    "learned": row.learned,
                    "help_wanted": row.help_wanted,
                    "shared": row.shared,
                    "late": row.late,
                    "answered_at": row.answered_at.isoformat(),
                    "updated_at": row.updated_at.isoformat(),
                }
                for row in checkins
            ],
            "replies": [
                {"checkin_id": r.checkin_id, "text": r.text, "created_at": r.created_at.isoformat()} for r in replies
            ],
            "preferences": [
                {
                    "muted": s.muted,
                    "away_until": s.away_until.isoformat() if s.away_until else None,
                    "pending_museum_id": s.pending_museum_id,
                }
                for s in settings
            ],
        }
        lines = (
            Line(
                N_("mydata.checkins.count"),
                {"count": str(len(checkins)), "shared": str(sum(c.shared for c in checkins))},
            ),
            Line(N_("mydata.checkins.replies"), {"count": str(len(replies))}),
        )
        return ExportSection(data, lines)

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, int]:
        return await repo.erase_person(session, person_id)
