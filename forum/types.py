"""Plain values the domain passes around; no SQL, no botbuilder."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class MemberInfo:
    """A Teams user as the channel describes them (roster or activity)."""

    teams_user_id: str
    name: str = ""
    aad_object_id: str | None = None
    email: str | None = None
    tenant_id: str | None = None


@dataclass(frozen=True)
class TeamInfo:
    """What the bot learns about a team when it is installed there."""

    team_id: str
    name: str
    tenant_id: str | None
    service_url: str
    channel_reference: dict[str, Any] = field(default_factory=dict)
    locale: str = "fi"
    locale_known: bool = True
    """False when the install event did not say its language and ``locale`` is the default."""


@dataclass(frozen=True)
class ForumView:
    id: int
    team_id: str
    name: str
    locale: str
    time_zone: str
    active: bool
    channel_reference: dict[str, Any] | None


@dataclass(frozen=True)
class PersonView:
    id: int
    teams_user_id: str
    name: str
    aad_object_id: str | None
    email: str | None
    preferred_locale: str | None
    personal_reference: dict[str, Any] | None
    typed_dialog: bool = False


@dataclass(frozen=True)
class ParticipantView:
    id: int
    forum_id: int
    person: PersonView
    role: Role
    active: bool
    museum: str | None

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR and self.active
