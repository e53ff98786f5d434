"""Conversation references and members, translated from SDK objects to plain data.

The domain stores references as JSON dicts it never looks inside; only this
module knows their SDK shape.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationReference
from botbuilder.schema.teams import TeamsChannelAccount

from forum.types import MemberInfo
from forum.untrusted import clean_name, clean_text, sane_id

MAX_EMAIL_LENGTH = 320
MAX_GUID_LENGTH = 64


def reference_of(activity: Activity) -> dict[str, Any]:
    reference = TurnContext.get_conversation_reference(activity)
    return dict(reference.serialize())


def channel_reference_of(activity: Activity, channel_id: str) -> dict[str, Any]:
    """A reference to the channel itself, not to a thread in it.

    Activities in a channel carry ``19:…;messageid=…`` (the thread); a new
    post must go to the bare channel id.
    """
    reference = reference_of(activity)
    conversation = dict(reference.get("conversation") or {})
    conversation["id"] = channel_id
    conversation["isGroup"] = True
    conversation["conversationType"] = "channel"
    reference["conversation"] = conversation
    reference.pop("activityId", None)
    # Whoever installed the bot is not needed to post in the channel; kept, they would be
    # personal data in every channel message of the outbox.
    reference.pop("user", None)
    return reference


def reference_from_json(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(data)


def member_of(account: ChannelAccount | TeamsChannelAccount, tenant_id: str | None) -> MemberInfo:
    """A member as the domain stores them, bounded to what both databases hold (the roster
    API's answers too: a name over 255 characters or with a NUL must not lock anyone out)."""
    email = getattr(account, "email", None) or getattr(account, "user_principal_name", None)
    email = clean_text(email, MAX_EMAIL_LENGTH).strip().lower() or None
    return MemberInfo(
        teams_user_id=account.id,
        name=clean_name(account.name),
        aad_object_id=sane_id(getattr(account, "aad_object_id", None), MAX_GUID_LENGTH),
        email=email,
        tenant_id=sane_id(tenant_id, MAX_GUID_LENGTH),
    )


def tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data or {}
    tenant = data.get("tenant") if isinstance(data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    if activity.conversation is not None and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    return None


def team_of(activity: Activity) -> dict[str, Any] | None:
    data = activity.channel_data
    if isinstance(data, dict) and isinstance(data.get("team"), dict) and data["team"].get("id"):
        return dict(data["team"])
    return None
