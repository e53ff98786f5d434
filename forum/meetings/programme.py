"""Importing the forum's programme into the database.

Why re-import is safe: meetings are matched by their number, so importing
the same file again changes nothing, and importing a corrected file edits
the meetings it changed (moving their reminders and updating a posted card
in place, as an edit in Teams would). Meetings missing from the file are
left alone and reported. The caller's transaction holds the whole import:
a meeting that cannot be saved rolls everything back.

The file itself is read and checked by ``forum/programme_file.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours
from forum.i18n import tr
from forum.meetings.announcements import update_announcement
from forum.meetings.hooks import NO_HOOKS, ProgrammeHooks
from forum.meetings.model import MeetingInvalidError, create_meeting, update_meeting
from forum.meetings.programme_file import FIELD_KEYS, MuseumEntry, Programme, ProgrammeError, ProgrammeProblem
from forum.meetings.schedule import sync_meeting_jobs
from storage import meeting_repository as meetings_repo
from storage import roster_repository as roster_repo
from storage.models import MuseumRow

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped_cancelled: list[int] = field(default_factory=list)
    not_in_file: list[int] = field(default_factory=list)
    museums_added: list[str] = field(default_factory=list)
    members_assigned: int = 0
    unknown_members: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def numbers(values: list[int]) -> str:
            return ", ".join(str(n) for n in values) or "-"

        result = [
            f"meetings created: {numbers(self.created)}",
            f"meetings updated: {numbers(self.updated)}",
            f"meetings unchanged: {numbers(self.unchanged)}",
        ]
        if self.skipped_cancelled:
            result.append(f"cancelled meetings left as they are: {numbers(self.skipped_cancelled)}")
        if self.not_in_file:
            result.append(f"meetings in the forum but not in the file (left alone): {numbers(self.not_in_file)}")
        result.append(f"museums added: {', '.join(self.museums_added) or '-'}")
        result.append(f"people linked to their museum: {self.members_assigned}")
        if self.unknown_members:
            result.append(
                "not (yet) members of the forum, import again after they join: " + ", ".join(self.unknown_members)
            )
        return result


async def import_programme(
    session: AsyncSession,
    forum_id: int,
    programme: Programme,
    *,
    now: datetime,
    quiet_default: QuietHours = DEFAULT_QUIET_HOURS,
    hooks: ProgrammeHooks = NO_HOOKS,
) -> ImportReport:
    """Write the programme into the forum, in the caller's transaction.

    Raises ``ProgrammeError`` (and the caller rolls back) when a meeting
    cannot be saved, e.g. a host museum that exists neither in the file nor
    in the forum.
    """
    report = ImportReport()
    forum = await roster_repo.forum_by_id(session, forum_id)
    if forum is None:
        raise ProgrammeError([ProgrammeProblem(None, "forum", f"forum {forum_id} does not exist")])
    if programme.time_zone is not None:
        forum.time_zone = programme.time_zone
    if programme.locale is not None:
        forum.locale, forum.locale_known = programme.locale, True
    if programme.reminder_offsets_hours is not None:
        forum.reminder_offsets_hours = list(programme.reminder_offsets_hours)
    if programme.quiet_hours is not None:
        forum.quiet_hours = programme.quiet_hours
    if programme.quiet_weekends is not None:
        forum.quiet_weekends = programme.quiet_weekends
    await _import_museums(session, forum_id, programme.museums, report)
    await session.flush()

    problems: list[ProgrammeProblem] = []
    in_file: set[int] = set()
    for item in programme.meetings:
        draft = item.draft
        in_file.add(draft.number)
        where = f"meetings (number {draft.number})"
        existing = await meetings_repo.meeting_by_number(session, forum_id, draft.number)
        try:
            if existing is None:
                meeting = await create_meeting(session, forum_id, draft, now=None)
                report.created.append(draft.number)
                await sync_meeting_jobs(session, meeting, now=now, quiet_default=quiet_default)
            elif existing.status == "cancelled":
                report.skipped_cancelled.append(draft.number)
            else:
                meeting, changed = await update_meeting(session, existing.id, draft, now=None)
                if changed:
                    report.updated.append(draft.number)
                    await update_announcement(session, meeting)
                else:
                    report.unchanged.append(draft.number)
                await sync_meeting_jobs(session, meeting, now=now, quiet_default=quiet_default)
        except MeetingInvalidError as exc:
            for form_field, key in exc.errors.items():
                problems.append(
                    ProgrammeProblem(item.line, where, f"{FIELD_KEYS.get(form_field, form_field)}: {tr('en', key)}")
                )
    if problems:
        raise ProgrammeError(problems)
    await hooks.write_sections(session, forum_id, programme.sections)
    await hooks.programme_changed(session, forum_id, now)
    report.not_in_file = [
        row.number for row in await meetings_repo.meetings_of(session, forum_id) if row.number not in in_file
    ]
    logger.info("programme imported into forum %s: %s", forum_id, "; ".join(report.lines()))
    return report


async def forum_for_import(session: AsyncSession, team_id: str | None) -> tuple[int, str]:
    """The forum to import into: the team's, or the only active one; (id, name)."""
    if team_id:
        row = await roster_repo.forum_by_team(session, team_id)
        if row is None:
            raise ProgrammeError(
                [ProgrammeProblem(None, "--team", f"no forum for team {team_id!r}; is the bot installed there?")]
            )
        return row.id, row.name
    forums = await roster_repo.active_forums(session)
    if not forums:
        raise ProgrammeError(
            [ProgrammeProblem(None, "forum", "no forum yet: install the bot into the forum's team in Teams first")]
        )
    if len(forums) > 1:
        teams = ", ".join(f"{row.team_id} ({row.name})" for row in forums)
        raise ProgrammeError([ProgrammeProblem(None, "--team", f"several forums, choose one with --team: {teams}")])
    return forums[0].id, forums[0].name


async def _import_museums(
    session: AsyncSession, forum_id: int, museums: Sequence[MuseumEntry], report: ImportReport
) -> None:
    participants = await roster_repo.participants_of(session, forum_id, active_only=False)
    by_email = {row.person.email.lower(): row for row in participants if row.person.email}
    for entry in museums:
        row = await meetings_repo.museum_by_name(session, forum_id, entry.name)
        if row is None:
            row = MuseumRow(forum_id=forum_id, name=entry.name)
            session.add(row)
            await session.flush()
            report.museums_added.append(entry.name)
        for email in entry.members:
            participant = by_email.get(email)
            if participant is None:
                report.unknown_members.append(email)
                continue
            if participant.museum_id != row.id:
                participant.museum_id = row.id
                report.members_assigned += 1
