"""A museum's development project and its experiments: shown and edited in the projects card.

Who may edit: the museum's own people and coordinators (checked here, never in cards).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.model import (
    MAX_TEXT,
    MAX_TITLE,
    CheckinInvalidError,
    ExperimentStatus,
    ExperimentView,
    ProjectView,
    StaleExperimentError,
    parse_status,
)
from forum.i18n import N_
from forum.people.permissions import NotCoordinatorError
from storage.checkins import repository as repo
from storage.checkins.models import ExperimentRow, ProjectRow
from storage.models import ParticipantRow

ERROR_TOO_LONG = N_("checkin.error.too_long")


def may_edit(member: ParticipantRow | None, museum_id: int, is_coordinator: bool) -> bool:
    return is_coordinator or (member is not None and member.active and member.museum_id == museum_id)


async def project_view(session: AsyncSession, museum_id: int, *, editable: bool) -> ProjectView:
    museum = await repo.museum_by_id(session, museum_id)
    project = await repo.project_of_museum(session, museum_id)
    experiments = tuple(
        ExperimentView(e.id, e.title, parse_status(e.status) or ExperimentStatus.NOT_STARTED)
        for e in await repo.experiments_of_museum(session, museum_id)
    )
    return ProjectView(
        museum_id=museum_id,
        museum=museum.name if museum is not None else "",
        goal=project.goal if project else "",
        audience=project.audience if project else "",
        impact=project.impact if project else "",
        experiments=experiments,
        may_edit=editable,
    )


async def save_project(
    session: AsyncSession,
    museum_id: int,
    member: ParticipantRow | None,
    *,
    is_coordinator: bool,
    goal: str,
    audience: str,
    impact: str,
    new_experiment: str,
) -> None:
    if not may_edit(member, museum_id, is_coordinator):
        raise NotCoordinatorError("not this museum's project")
    errors = {
        name: ERROR_TOO_LONG
        for name, value in (("goal", goal), ("audience", audience), ("impact", impact))
        if len(value) > MAX_TEXT
    }
    if len(new_experiment) > MAX_TITLE:
        errors["new_experiment"] = ERROR_TOO_LONG
    if errors:
        raise CheckinInvalidError(errors)
    museum = await repo.museum_by_id(session, museum_id)
    if museum is None:
        raise StaleExperimentError(museum_id)
    project = await repo.project_of_museum(session, museum_id)
    if project is None:
        project = ProjectRow(forum_id=museum.forum_id, museum_id=museum_id)
        session.add(project)
    project.goal, project.audience, project.impact = goal.strip(), audience.strip(), impact.strip()
    project.updated_by_participant_id = member.id if member is not None else None
    await session.flush()
    if new_experiment.strip():
        row = ExperimentRow(project_id=project.id, title=new_experiment.strip(), status="not_started", removed=False)
        row.created_by_participant_id = member.id if member is not None else None
        session.add(row)
        await session.flush()


async def remove_experiment(
    session: AsyncSession, experiment_id: int, member: ParticipantRow | None, *, is_coordinator: bool
) -> int:
    """Mark the experiment removed (its check-ins keep their text); returns its museum."""
    museum_id = await repo.museum_of_experiment(session, experiment_id)
    rows = await repo.experiments_by_id(session, [experiment_id])
    if museum_id is None or experiment_id not in rows or rows[experiment_id].removed:
        raise StaleExperimentError(experiment_id)
    if not may_edit(member, museum_id, is_coordinator):
        raise NotCoordinatorError("not this museum's project")
    rows[experiment_id].removed = True
    await session.flush()
    return museum_id
