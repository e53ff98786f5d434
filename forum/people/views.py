"""Turn storage rows into the domain's frozen views."""

from __future__ import annotations

from forum.types import ForumView, ParticipantView, PersonView, Role
from storage.models import ForumRow, ParticipantRow, PersonRow


def forum_view(row: ForumRow) -> ForumView:
    return ForumView(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        locale=row.locale,
        time_zone=row.time_zone,
        active=row.active,
        channel_reference=row.channel_reference,
    )


def person_view(row: PersonRow) -> PersonView:
    return PersonView(
        id=row.id,
        teams_user_id=row.teams_user_id,
        name=row.name,
        aad_object_id=row.aad_object_id,
        email=row.email,
        preferred_locale=row.preferred_locale,
        personal_reference=row.personal_reference,
        typed_dialog=row.typed_dialog,
    )


def participant_view(row: ParticipantRow) -> ParticipantView:
    return ParticipantView(
        id=row.id,
        forum_id=row.forum_id,
        person=person_view(row.person),
        role=Role(row.role),
        active=row.active,
        museum=row.museum.name if row.museum is not None else None,
    )
