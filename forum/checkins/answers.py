"""A check-in answer: the values as typed, checked, and saved as one record per (round, person).

Why the late rule: a prompt answered after its round closed is not lost and not squeezed
into a closed round; it goes to the next round and the person is told so. After the
programme's last round there is no next one, and dropping the answer would lose what the
person took the time to write: it stays in the last round, marked late, and the person is
told that instead. Why a savepoint
on insert: a double click (or a card and a dialog at once) arrives as two turns, and the
unique (round, participant) constraint makes the second one an update of the first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.model import (
    MAX_TEXT,
    MAX_TITLE,
    CheckinInvalidError,
    CheckinView,
    ExperimentStatus,
    ExperimentView,
    MuseumChoice,
    NoMuseumError,
    NoRoundError,
    NotMemberError,
    PromptView,
    RoundView,
    SaveOutcome,
    StaleExperimentError,
    parse_status,
)
from forum.checkins.rounds import current_or_next_round, last_closed_round, round_view
from forum.i18n import N_
from storage import meeting_repository as meetings_repo
from storage import roster_repository as roster_repo
from storage.checkins import repository as repo
from storage.checkins.models import CheckinPersonRow, CheckinRoundRow, CheckinRow, ExperimentRow, ProjectRow
from storage.models import ParticipantRow

logger = logging.getLogger(__name__)

NEW_EXPERIMENT = "new"
ERROR_REQUIRED = N_("checkin.error.required")
ERROR_TOO_LONG = N_("checkin.error.too_long")
ERROR_UNKNOWN = N_("checkin.error.unknown_choice")


@dataclass(frozen=True)
class CheckinInput:
    """The answer as it came (from a card or a dialog), every field a string or None."""

    round_id: int | None = None
    experiment: str | None = None
    """An experiment id, ``new`` or None."""
    new_experiment: str = ""
    status: str | None = None
    tried: str = ""
    learned: str = ""
    help_wanted: str = ""
    shared: bool = False
    nothing_to_report: bool = False
    museum_id: int | None = None


@dataclass(frozen=True)
class CheckinDraft:
    round_id: int | None
    experiment_id: int | None
    new_experiment: str
    status: ExperimentStatus | None
    tried: str
    learned: str
    help_wanted: str
    shared: bool
    nothing_to_report: bool
    museum_id: int | None


def validate(values: CheckinInput) -> CheckinDraft:
    """The draft, or ``CheckinInvalidError`` with a message key per field (nothing saved)."""
    errors: dict[str, str] = {}
    for name in ("tried", "learned", "help_wanted"):
        if len(getattr(values, name)) > MAX_TEXT:
            errors[name] = ERROR_TOO_LONG
    if len(values.new_experiment) > MAX_TITLE:
        errors["new_experiment"] = ERROR_TOO_LONG
    experiment_id: int | None = None
    status = parse_status(values.status) if values.status else None
    if not values.nothing_to_report:
        choice = (values.experiment or "").strip()
        if choice == NEW_EXPERIMENT or (not choice and values.new_experiment.strip()):
            if not values.new_experiment.strip():
                errors["new_experiment"] = ERROR_REQUIRED
        elif choice.isascii() and choice.isdigit() and len(choice) <= 12:
            experiment_id = int(choice)
        elif choice:
            errors["experiment"] = ERROR_UNKNOWN
        else:
            errors["experiment"] = ERROR_REQUIRED
        if values.status and status is None:
            errors["status"] = ERROR_UNKNOWN
        elif status is None:
            errors["status"] = ERROR_REQUIRED
        if not (values.tried.strip() or values.learned.strip()) and "tried" not in errors:
            errors["tried"] = ERROR_REQUIRED
    if errors:
        raise CheckinInvalidError(errors)
    return CheckinDraft(
        round_id=values.round_id,
        experiment_id=experiment_id,
        new_experiment=values.new_experiment.strip() if experiment_id is None else "",
        status=status,
        tried=values.tried.strip(),
        learned=values.learned.strip(),
        help_wanted=values.help_wanted.strip(),
        shared=values.shared and not values.nothing_to_report,
        nothing_to_report=values.nothing_to_report,
        museum_id=values.museum_id,
    )


async def member_of(session: AsyncSession, forum_id: int, person_id: int) -> ParticipantRow:
    member = await roster_repo.participant(session, forum_id, person_id)
    if member is None or not member.active:
        raise NotMemberError(person_id)
    return member


async def person_prefs(session: AsyncSession, participant_id: int) -> CheckinPersonRow:
    prefs = await repo.person_settings(session, participant_id)
    if prefs is None:
        prefs = CheckinPersonRow(participant_id=participant_id, muted=False)
        session.add(prefs)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            prefs = await repo.person_settings(session, participant_id)
            if prefs is None:  # pragma: no cover - deleted in between
                raise
    return prefs


async def museum_for(session: AsyncSession, member: ParticipantRow, draft: CheckinDraft) -> int:
    """The museum the answer is for: the person's, or the one they picked (pending a coordinator)."""
    if member.museum_id is not None:
        return member.museum_id
    prefs = await repo.person_settings(session, member.id)
    chosen = draft.museum_id or (prefs.pending_museum_id if prefs is not None else None)
    if chosen is None:
        raise NoMuseumError(member.id)
    museum = await repo.museum_by_id(session, chosen)
    if museum is None or museum.forum_id != member.forum_id:
        raise CheckinInvalidError({"museum": ERROR_UNKNOWN})
    if draft.museum_id is not None:
        (await person_prefs(session, member.id)).pending_museum_id = museum.id
    return museum.id


async def _project(session: AsyncSession, forum_id: int, museum_id: int, member_id: int) -> ProjectRow:
    project = await repo.project_of_museum(session, museum_id)
    if project is None:
        project = ProjectRow(forum_id=forum_id, museum_id=museum_id, goal="", audience="", impact="")
        project.updated_by_participant_id = member_id
        session.add(project)
        await session.flush()
    return project


async def _experiment(
    session: AsyncSession, member: ParticipantRow, museum_id: int, draft: CheckinDraft
) -> ExperimentRow | None:
    if draft.nothing_to_report:
        return None
    if draft.experiment_id is not None:
        rows = await repo.experiments_by_id(session, [draft.experiment_id])
        row = rows.get(draft.experiment_id)
        if row is None or row.removed or await repo.museum_of_experiment(session, row.id) != museum_id:
            raise StaleExperimentError(draft.experiment_id)
    else:
        project = await _project(session, member.forum_id, museum_id, member.id)
        row = ExperimentRow(project_id=project.id, title=draft.new_experiment[:MAX_TITLE], removed=False)
        row.created_by_participant_id = member.id
        session.add(row)
    if draft.status is not None:
        row.status = draft.status.value
    await session.flush()
    return row


def _apply(row: CheckinRow, draft: CheckinDraft, experiment: ExperimentRow | None, museum_id: int) -> bool:
    values = {
        "museum_id": museum_id,
        "experiment_id": experiment.id if experiment is not None else None,
        "nothing_to_report": draft.nothing_to_report,
        "status": draft.status.value if draft.status is not None else None,
        "tried": draft.tried,
        "learned": draft.learned,
        "help_wanted": draft.help_wanted,
        "shared": draft.shared,
    }
    changed = any(getattr(row, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(row, name, value)
    return changed


async def save_checkin(
    session: AsyncSession, forum_id: int, person_id: int, draft: CheckinDraft, *, now: datetime
) -> SaveOutcome:
    """Store the person's answer for the draft's round (or the current one); raises on refusal."""
    member = await member_of(session, forum_id, person_id)
    museum_id = await museum_for(session, member, draft)
    late = False
    target = await repo.round_by_id(session, draft.round_id) if draft.round_id is not None else None
    if target is not None and (target.forum_id != forum_id or target.cancelled):
        target = None
    after_last_round = False
    if target is None or target.closes_at <= now or target.opened_at is None:
        late = target is not None and target.closes_at <= now
        try:
            target = await current_or_next_round(session, forum_id, now)
        except NoRoundError:
            if target is None or not late:
                raise
            target = await last_closed_round(session, forum_id, now) or target
            after_last_round = True
    experiment = await _experiment(session, member, museum_id, draft)
    row = await repo.checkin_of(session, target.id, member.id)
    created = row is None
    was_shared = row.shared if row is not None else False
    if row is None:
        try:
            async with session.begin_nested():
                row = CheckinRow(
                    round_id=target.id, participant_id=member.id, answered_at=now, updated_at=now, late=late
                )
                _apply(row, draft, experiment, museum_id)
                session.add(row)
        except IntegrityError:
            row = await repo.checkin_of(session, target.id, member.id)
            if row is None:  # pragma: no cover - deleted in between
                raise
            created = False
    changed = _apply(row, draft, experiment, museum_id) or created
    if changed:
        row.updated_at = now
        row.late = row.late or late
    await session.flush()
    logger.info("check-in %s saved in round %s (created=%s late=%s)", row.id, target.id, created, late)
    view = await checkin_view(session, row)
    return SaveOutcome(
        view,
        await numbered_round(session, target),
        late,
        changed,
        row.shared and not was_shared,
        after_last_round=after_last_round,
    )


async def checkin_view(session: AsyncSession, row: CheckinRow, *, with_replies: bool = False) -> CheckinView:
    museums = await repo.museums_by_id(session, (await repo.round_by_id(session, row.round_id)).forum_id)  # type: ignore[union-attr]
    experiments = await repo.experiments_by_id(session, [row.experiment_id] if row.experiment_id else [])
    experiment = experiments.get(row.experiment_id or -1)
    author = None
    if row.participant_id is not None:
        participant = await session.get(ParticipantRow, row.participant_id)
        author = participant.person.name if participant is not None else None
    replies: tuple[tuple[str, str], ...] = ()
    if with_replies:
        replies = tuple(
            (museums.get(reply.museum_id or -1, ""), reply.text) for reply in await repo.replies_to(session, [row.id])
        )
    return CheckinView(
        id=row.id,
        round_id=row.round_id,
        museum=museums.get(row.museum_id or -1),
        author=author,
        experiment=experiment.title if experiment is not None else None,
        status=parse_status(row.status) if row.status else None,
        nothing_to_report=row.nothing_to_report,
        tried=row.tried,
        learned=row.learned,
        help_wanted=row.help_wanted,
        shared=row.shared,
        late=row.late,
        answered_at=row.updated_at,
        experiment_id=row.experiment_id,
        replies=replies,
    )


async def prompt_view(
    session: AsyncSession, forum_id: int, person_id: int, *, round_id: int | None, now: datetime
) -> PromptView:
    """What the person's prompt card shows: the round, their museum's experiments, their answer."""
    member = await member_of(session, forum_id, person_id)
    target = await repo.round_by_id(session, round_id) if round_id is not None else None
    if target is None or target.forum_id != forum_id or target.cancelled:
        try:
            target = await current_or_next_round(session, forum_id, now)
        except NoRoundError:
            target = None  # the card says there is no round to answer to
    prefs = await repo.person_settings(session, member.id)
    museum_id = member.museum_id or (prefs.pending_museum_id if prefs is not None else None)
    museums = await repo.museums_by_id(session, forum_id)
    experiments = (
        tuple(
            ExperimentView(e.id, e.title, parse_status(e.status) or ExperimentStatus.NOT_STARTED)
            for e in await repo.experiments_of_museum(session, museum_id)
        )
        if museum_id is not None
        else ()
    )
    answer = None
    if target is not None:
        row = await repo.checkin_of(session, target.id, member.id)
        answer = await checkin_view(session, row) if row is not None else None
    view_round = await numbered_round(session, target) if target is not None else None
    return PromptView(
        round=view_round,
        museum=museums.get(member.museum_id or -1),
        experiments=experiments,
        museums=tuple(MuseumChoice(i, n) for i, n in sorted(museums.items(), key=lambda kv: kv[1]))
        if member.museum_id is None
        else (),
        pending_museum=museums.get(prefs.pending_museum_id or -1)
        if prefs is not None and member.museum_id is None
        else None,
        answer=answer,
        away_until=prefs.away_until if prefs is not None and prefs.away_until and prefs.away_until > now else None,
    )


async def numbered_round(session: AsyncSession, row: CheckinRoundRow) -> RoundView:
    """The round's view with the number of the meeting it leads to."""
    meeting = await meetings_repo.meeting_by_id(session, row.meeting_id) if row.meeting_id is not None else None
    return round_view(row, meeting.number if meeting is not None else None)
