"""The people wing's personal data: the person, their memberships, the bot's state about them.

Why the bot's conversation state is here: botbuilder keeps a document per conversation
(``msteams/conversations/<id>``) and per user (``msteams/users/<id>``), and a dialog in a
1:1 chat keeps what the person typed there until the dialog ends; those documents are the
person's as much as their name is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum.i18n import N_
from forum.people.personal_data import LATE, Description, ExportSection, Line
from storage import outbox_repository as outbox_repo
from storage import roster_repository as repo
from storage.models import PersonRow

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "msteams"
ROLE_LABELS = {"participant": N_("mydata.role.participant"), "coordinator": N_("mydata.role.coordinator")}


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def state_keys(person: PersonRow, conversation_ids: Iterable[str]) -> list[str]:
    """The botbuilder storage keys of the person's 1:1 conversations and of the person."""
    reference = person.personal_reference or {}
    channel = str(reference.get("channelId") or DEFAULT_CHANNEL)
    conversations = set(conversation_ids)
    conversation = reference.get("conversation")
    if isinstance(conversation, dict) and conversation.get("id"):
        conversations.add(str(conversation["id"]))
    keys = {f"{channel}/conversations/{conversation_id}" for conversation_id in conversations}
    keys.add(f"{channel}/users/{person.teams_user_id}")
    return sorted(keys)


def _document(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


class PeopleData:
    """Provider ``people``: profile, memberships, conversation state, erasures a coordinator made."""

    name = "people"
    erase_order = LATE
    tables: Mapping[str, tuple[str, ...]] = {
        "person": (
            "teams_user_id",
            "aad_object_id",
            "tenant_id",
            "name",
            "email",
            "preferred_locale",
            "last_seen_locale",
            "personal_reference",
            "typed_dialog",
        ),
        "participant": ("person_id", "museum_id", "role", "active", "left_at"),
        "bot_state": ("key", "document"),
        "erasure_record": ("by_person_id",),
    }
    description = Description(N_("privacy.people.title"), N_("privacy.people.goes"), N_("privacy.people.stays"))

    async def export(self, session: AsyncSession, person_id: int) -> ExportSection:
        person = await repo.person_by_id(session, person_id)
        if person is None:
            return ExportSection({})
        memberships = await repo.all_memberships_of(session, person_id)
        keys = state_keys(person, await outbox_repo.personal_conversation_ids(session, person_id))
        documents = await repo.state_documents(session, keys)
        erasures = await repo.erasures_by(session, person_id)
        data: dict[str, Any] = {
            "person": {
                "name": person.name,
                "email": person.email,
                "teams_user_id": person.teams_user_id,
                "aad_object_id": person.aad_object_id,
                "tenant_id": person.tenant_id,
                "preferred_locale": person.preferred_locale,
                "last_seen_locale": person.last_seen_locale,
                "personal_chat": person.personal_reference,
                "typed_checkin_in_progress": person.typed_dialog,
                "first_seen_at": iso(person.created_at),
            },
            "memberships": [
                {
                    "forum": forum.name,
                    "museum": row.museum.name if row.museum is not None else None,
                    "role": row.role,
                    "active": row.active,
                    "joined_at": iso(row.created_at),
                    "left_at": iso(row.left_at),
                }
                for row, forum in memberships
            ],
            "conversation_state": [{"key": doc.key, "document": _document(doc.document)} for doc in documents],
            "erasures_made_as_coordinator": [
                {"reason": record.reason, "at": iso(record.created_at)} for record in erasures
            ],
        }
        lines = [
            Line(N_("mydata.people.name"), {"name": person.name or "-"}),
            Line(N_("mydata.people.email"), {"email": person.email or "-"}),
            Line(N_("mydata.people.language"), {"language": person.preferred_locale or "-"}),
        ]
        for row, forum in memberships:
            museum = row.museum.name if row.museum is not None else "-"
            status = N_("mydata.people.member.active") if row.active else N_("mydata.people.member.left")
            lines.append(
                Line(
                    N_("mydata.people.membership"),
                    {"forum": forum.name or "-", "museum": museum},
                    {"role": ROLE_LABELS.get(row.role, N_("mydata.unknown")), "status": status},
                )
            )
        if documents:
            lines.append(Line(N_("mydata.people.state"), {"count": str(len(documents))}))
        return ExportSection(data, tuple(lines))

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, int]:
        person = await repo.person_by_id(session, person_id)
        if person is None:
            return {}
        keys = state_keys(person, await outbox_repo.personal_conversation_ids(session, person_id))
        documents = await repo.delete_state_documents(session, keys)
        records = await repo.forget_erasure_actor(session, person_id)
        memberships, people = await repo.delete_person(session, person_id)
        return {
            "conversation_state": documents,
            "erasure_records_unnamed": records,
            "participant": memberships,
            "person": people,
        }
