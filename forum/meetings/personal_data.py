"""The meetings wing's personal data: a person's RSVP answers.

The programme itself (themes, times, host museums, addresses) names organisations, not
people; it is declared as holding no personal data in ``bot/meetings/context.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from forum.i18n import N_
from forum.people.personal_data import Description, ExportSection, Line
from storage import meeting_repository as repo

logger = logging.getLogger(__name__)

ANSWER_LABELS = {
    "on_site": N_("rsvp.answer.on_site"),
    "online": N_("rsvp.answer.online"),
    "cannot": N_("rsvp.answer.cannot"),
}


class MeetingsData:
    """Provider ``meetings``: who answered what to which meeting."""

    name = "meetings"
    erase_order = 0
    tables: Mapping[str, tuple[str, ...]] = {"rsvp": ("participant_id", "answer", "answered_at")}
    description = Description(N_("privacy.meetings.title"), N_("privacy.meetings.goes"), N_("privacy.meetings.stays"))

    async def export(self, session: AsyncSession, person_id: int) -> ExportSection:
        answers = await repo.rsvps_of_person(session, person_id)
        data = {
            "rsvps": [
                {
                    "meeting_number": meeting.number,
                    "meeting_theme": meeting.theme,
                    "meeting_starts_at": meeting.starts_at.isoformat(),
                    "answer": rsvp.answer,
                    "answered_at": rsvp.answered_at.isoformat(),
                }
                for rsvp, meeting in answers
            ]
        }
        lines = tuple(
            Line(
                N_("mydata.meetings.rsvp"),
                {"number": str(meeting.number), "theme": meeting.theme},
                {"answer": ANSWER_LABELS.get(rsvp.answer, N_("mydata.unknown"))},
            )
            for rsvp, meeting in answers
        )
        return ExportSection(data, lines or (Line(N_("mydata.meetings.none")),))

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, int]:
        return {"rsvp": await repo.delete_rsvps_of_person(session, person_id)}
