"""Untrusted input made safe once, where an activity enters (``/api/messages``).

Why here and once: the domain and the databases should never see what Teams would not send.
Before this, ``ilmoita ²`` raised in ``int()``, a meeting id of ``10**30`` overflowed both
databases, a display name over 255 characters or with a NUL made PostgreSQL refuse the person
at the start of every turn (SQLite stored it), and an install with ``team.id: true`` registered
a forum named ``True``. Two steps:

* ``bounded_json`` walks the parsed body: nesting depth, strings (control characters and lone
  surrogates out, newline and tab kept; at most ``MAX_STRING`` characters), keys, list sizes.
  Too deep is a 400; everything else is trimmed.
* ``bounded_activity`` checks and normalises the fields the bot reads: ids (sane strings or
  refused), names (one line, 255 characters), the locale (``fi``/``sv``/``en`` or none), the
  team (its id shaped like a Teams team id, or the activity is not treated as a team's),
  members, mentions, the service URL.
"""

from __future__ import annotations

import re
from typing import Any

from botbuilder.schema import Activity, ChannelAccount

from forum.i18n import normalize_locale
from forum.untrusted import MAX_ID_LENGTH, clean_name, clean_text, sane_id

MAX_DEPTH = 24
MAX_STRING = 32 * 1024
"""Characters per string: above Teams' own message limit (about 28 KB)."""
MAX_ITEMS = 1000
"""Items per list or keys per object kept; Teams sends far fewer."""
MAX_KEY = 128
MAX_CONVERSATION_ID = 512
MAX_SERVICE_URL = 512
MAX_GUID = 64
_TEAM_ID = re.compile(r"19:[!-~]{1,200}@thread\.[a-z0-9]{1,16}")


class InputRefused(ValueError):
    """The body cannot be an activity the bot could answer (400); the message says why."""


def bounded_json(value: Any) -> Any:
    """The parsed JSON body with every string, key and list bounded; ``InputRefused`` if too deep."""
    return _bounded(value, 0)


def _bounded(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return clean_text(value, MAX_STRING, multiline=True)
    if depth >= MAX_DEPTH and isinstance(value, (dict, list)):
        raise InputRefused(f"nested deeper than {MAX_DEPTH}")
    if isinstance(value, dict):
        bounded: dict[str, Any] = {}
        for key, item in list(value.items())[:MAX_ITEMS]:
            name = clean_text(key, MAX_KEY)
            if name:
                bounded[name] = _bounded(item, depth + 1)
        return bounded
    if isinstance(value, list):
        return [_bounded(item, depth + 1) for item in value[:MAX_ITEMS]]
    return value


_STRING_FIELDS = ("id", "replyToId", "locale", "text", "name", "serviceUrl", "channelId", "action", "textFormat")


def typed_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Drop fields of the wrong JSON type before msrest sees them: it turns ``true`` into the
    string ``"True"`` for a string field, so ``conversation.id: true`` would pass as an id."""
    for key in _STRING_FIELDS:
        if key in body and body[key] is not None and not isinstance(body[key], str):
            del body[key]
    if not isinstance(body.get("channelData"), dict):
        body["channelData"] = {}  # the SDK's Teams handler reads it as an object, missing or not
    for key in ("conversation", "from", "recipient"):
        account = body.get(key)
        if account is None:
            continue
        if not isinstance(account, dict) or not isinstance(account.get("id"), str):
            raise InputRefused(f"{key}.id must be a string")
        for name in ("name", "aadObjectId", "conversationType", "tenantId", "role"):
            if account.get(name) is not None and not isinstance(account[name], str):
                del account[name]
    for key in ("membersAdded", "membersRemoved"):
        members = body.get(key)
        if members is not None:
            body[key] = (
                [m for m in members if isinstance(m, dict) and isinstance(m.get("id"), str)]
                if isinstance(members, list)
                else []
            )
    return body


def bounded_activity(activity: Activity) -> Activity:
    """Check and normalise what the bot reads from ``activity`` (in place); ``InputRefused`` if unusable."""
    conversation = activity.conversation
    if conversation is None or sane_id(conversation.id, MAX_CONVERSATION_ID) is None:
        raise InputRefused("conversation.id must be a Teams id")
    conversation.name = clean_name(conversation.name) or None
    conversation.conversation_type = sane_id(conversation.conversation_type, 32)
    url = activity.service_url
    if not isinstance(url, str) or len(url) > MAX_SERVICE_URL or not url.startswith(("https://", "http://")):
        raise InputRefused("serviceUrl must be an http(s) URL")
    if activity.type in ("message", "invoke") and activity.from_property is None:
        raise InputRefused("a message or invoke needs from.id")
    for role in ("from_property", "recipient"):
        account = getattr(activity, role)
        if account is None:
            continue
        if not isinstance(account, ChannelAccount) or sane_id(account.id) is None:
            raise InputRefused(f"{'from' if role == 'from_property' else role}.id must be a Teams id")
        _bound_account(account)
    activity.id = sane_id(activity.id)
    activity.reply_to_id = sane_id(activity.reply_to_id)
    activity.locale = normalize_locale(activity.locale if isinstance(activity.locale, str) else None)
    if activity.text is not None and not isinstance(activity.text, str):
        activity.text = None
    if isinstance(activity.name, str):
        activity.name = clean_text(activity.name, 255)
    activity.members_added = _members(activity.members_added)
    activity.members_removed = _members(activity.members_removed)
    activity.entities = _entities(activity.entities)
    activity.channel_data = _channel_data(activity.channel_data)
    return activity


def _bound_account(account: ChannelAccount) -> None:
    account.name = clean_name(account.name)
    account.aad_object_id = sane_id(account.aad_object_id, MAX_GUID)


def _members(members: Any) -> list[ChannelAccount] | None:
    if members is None:
        return None
    if not isinstance(members, list):
        return []
    kept = [member for member in members if isinstance(member, ChannelAccount) and sane_id(member.id)]
    for member in kept:
        _bound_account(member)
    return kept


def _entities(entities: Any) -> list[Any] | None:
    """Entities the SDK's mention handling can read: a type, and for a mention someone with an id."""
    if not isinstance(entities, list):
        return None
    kept = []
    for entity in entities:
        kind = getattr(entity, "type", None)
        if not isinstance(kind, str):
            continue
        if kind.lower() == "mention":
            extra = getattr(entity, "additional_properties", None) or {}
            mentioned = extra.get("mentioned")
            if not isinstance(mentioned, dict) or sane_id(mentioned.get("id")) is None:
                continue
            if not isinstance(extra.get("text"), str):  # the SDK reads it as the mention's <at> text
                continue
        kept.append(entity)
    return kept


def _channel_data(data: Any) -> Any:
    """Teams' channel data with a tenant id, team and channel the bot can trust the shape of."""
    if not isinstance(data, dict):
        return data
    tenant = data.get("tenant")
    if tenant is not None:
        tenant_id = sane_id(tenant.get("id"), MAX_GUID) if isinstance(tenant, dict) else None
        if tenant_id is None:
            data.pop("tenant")
        else:
            data["tenant"] = {"id": tenant_id}
    team = data.get("team")
    if team is not None:
        team_id = team.get("id") if isinstance(team, dict) else None
        if not isinstance(team_id, str) or not _TEAM_ID.fullmatch(team_id):
            data.pop("team")  # not a team's activity: no forum is registered from it
        else:
            team["name"] = clean_name(team.get("name"))
            if team.get("aadGroupId") is not None:
                team["aadGroupId"] = sane_id(team.get("aadGroupId"), MAX_GUID)
    channel = data.get("channel")
    if channel is not None and (not isinstance(channel, dict) or sane_id(channel.get("id"), MAX_ID_LENGTH) is None):
        data.pop("channel")
    if "eventType" in data and not isinstance(data["eventType"], str):
        data.pop("eventType")
    return data
