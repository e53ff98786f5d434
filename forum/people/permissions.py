"""Who may do what. Role checks live here, never in cards or handlers."""

from __future__ import annotations

from collections.abc import Collection

from forum.types import ParticipantView, PersonView


class NotCoordinatorError(PermissionError):
    """A participant asked for something only coordinators may do."""


def is_configured_coordinator(person: PersonView, configured: Collection[str]) -> bool:
    """True when the person's AAD object id or e-mail is in ``COORDINATORS``."""
    keys = {value.lower() for value in (person.aad_object_id, person.email) if value}
    return bool(keys & set(configured))


def is_coordinator(person: PersonView | None, participant: ParticipantView | None, configured: Collection[str]) -> bool:
    if participant is not None and participant.is_coordinator:
        return True
    return person is not None and is_configured_coordinator(person, configured)


def require_coordinator(
    person: PersonView | None, participant: ParticipantView | None, configured: Collection[str]
) -> None:
    if not is_coordinator(person, participant, configured):
        raise NotCoordinatorError("coordinator role required")
