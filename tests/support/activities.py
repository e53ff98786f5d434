"""Builders for the activities Teams really sends, as JSON dicts.

Shapes follow Teams' payloads: ``channelData.tenant``, ``channelData.team``
and ``channelData.channel`` in a team, ``conversationType`` personal,
groupChat or channel, ``aadObjectId`` on users, mentions as entities.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

TENANT_ID = "72f988bf-0000-0000-0000-000000000001"
TEAM_ID = "19:forum-team@thread.tacv2"
TEAM_NAME = "Museoiden vertaiskehittämisfoorumi"
BOT = {"id": "28:foorumibotti", "name": "Foorumibotti"}

_ids = itertools.count(1)


@dataclass(frozen=True)
class User:
    key: str
    name: str
    email: str

    @property
    def id(self) -> str:
        return f"29:{self.key}"

    @property
    def aad_object_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"foorumibotti-test/{self.key}"))

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def member(self) -> dict[str, Any]:
        """As the roster API answers (TeamsChannelAccount)."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.email,
            "givenName": given,
            "surname": surname,
            "tenantId": TENANT_ID,
            "userRole": "user",
        }


KAISA = User("kaisa", "Kaisa Koordinaattori", "kaisa@museovirasto.fi")
MATTI = User("matti", "Matti Museolainen", "matti@kansallismuseo.fi")
LIISA = User("liisa", "Liisa Lahtinen", "liisa@tampereenmuseot.fi")
ERIK = User("erik", "Erik Sandström", "erik@amos.fi")
ANNA = User("anna", "Anna Anttila", "anna@ateneum.fi")
EVERYONE = (KAISA, MATTI, LIISA, ERIK, ANNA)


def _base(
    kind: str, service_url: str, conversation: dict[str, Any], user: dict[str, Any], locale: str | None = "fi-FI"
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"activity-{next(_ids)}",
        "timestamp": "2026-11-25T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": user,
        "recipient": dict(BOT),
        "conversation": conversation,
        "locale": locale,
    }


def personal_conversation(user: User) -> dict[str, Any]:
    return {"id": f"a:personal-{user.key}", "conversationType": "personal", "tenantId": TENANT_ID}


def channel_conversation(thread: str | None = None) -> dict[str, Any]:
    conversation_id = TEAM_ID if thread is None else f"{TEAM_ID};messageid={thread}"
    return {"id": conversation_id, "conversationType": "channel", "isGroup": True, "tenantId": TENANT_ID}


def team_channel_data(team_name: str = TEAM_NAME, event: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tenant": {"id": TENANT_ID},
        "team": {"id": TEAM_ID, "name": team_name, "aadGroupId": "group-1"},
        "channel": {"id": TEAM_ID, "name": "General"},
    }
    if event:
        data["eventType"] = event
    return data


def personal_message(service_url: str, user: User, text: str, locale: str = "fi-FI") -> dict[str, Any]:
    activity = _base("message", service_url, personal_conversation(user), user.account(), locale)
    activity.update(text=text, textFormat="plain", channelData={"tenant": {"id": TENANT_ID}})
    return activity


def channel_message(
    service_url: str,
    user: User,
    text: str,
    *,
    mention_bot: bool = True,
    mentions: tuple[User, ...] = (),
    locale: str = "fi-FI",
) -> dict[str, Any]:
    activity = _base("message", service_url, channel_conversation("1700000000000"), user.account(), locale)
    entities = []
    full_text = text
    if mention_bot:
        full_text = f"<at>{BOT['name']}</at> {text}"
        entities.append({"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": dict(BOT)})
    for other in mentions:
        entities.append({"type": "mention", "text": f"<at>{other.name}</at>", "mentioned": other.account()})
    activity.update(text=full_text, textFormat="plain", entities=entities, channelData=team_channel_data())
    return activity


def group_chat_message(service_url: str, user: User, text: str) -> dict[str, Any]:
    conversation = {
        "id": "19:group-chat@thread.v2",
        "conversationType": "groupChat",
        "isGroup": True,
        "tenantId": TENANT_ID,
    }
    activity = _base("message", service_url, conversation, user.account())
    activity.update(
        text=f"<at>{BOT['name']}</at> {text}",
        entities=[{"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": dict(BOT)}],
        channelData={"tenant": {"id": TENANT_ID}},
    )
    return activity


def installation_update(
    service_url: str, user: User, action: str = "add", *, team: bool = True, locale: str = "fi-FI"
) -> dict[str, Any]:
    conversation = channel_conversation() if team else personal_conversation(user)
    activity = _base("installationUpdate", service_url, conversation, user.account(), locale)
    activity["action"] = action
    activity["channelData"] = team_channel_data() if team else {"tenant": {"id": TENANT_ID}}
    return activity


def bot_added_to_team(service_url: str, user: User, locale: str | None = "fi-FI") -> dict[str, Any]:
    """``locale=None``: as Teams really sends it (a conversationUpdate says no locale)."""
    activity = _base("conversationUpdate", service_url, channel_conversation(), user.account(), locale)
    activity["membersAdded"] = [dict(BOT)]
    activity["channelData"] = team_channel_data(event="teamMemberAdded")
    return activity


def members_added(service_url: str, actor: User, users: tuple[User, ...]) -> dict[str, Any]:
    activity = _base("conversationUpdate", service_url, channel_conversation(), actor.account())
    activity["membersAdded"] = [{"id": u.id, "aadObjectId": u.aad_object_id} for u in users]
    activity["channelData"] = team_channel_data(event="teamMemberAdded")
    return activity


def members_removed(service_url: str, actor: User, ids: list[str]) -> dict[str, Any]:
    activity = _base("conversationUpdate", service_url, channel_conversation(), actor.account())
    activity["membersRemoved"] = [{"id": member_id} for member_id in ids]
    activity["channelData"] = team_channel_data(event="teamMemberRemoved")
    return activity


def team_renamed(service_url: str, actor: User, new_name: str) -> dict[str, Any]:
    activity = _base("conversationUpdate", service_url, channel_conversation(), actor.account())
    activity["channelData"] = team_channel_data(team_name=new_name, event="teamRenamed")
    return activity


def card_submit(
    service_url: str,
    user: User,
    value: dict[str, Any],
    *,
    conversation: dict[str, Any] | None = None,
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    conv = conversation or personal_conversation(user)
    activity = _base("message", service_url, conv, user.account())
    activity["value"] = value
    activity["channelData"] = (
        team_channel_data() if conv.get("conversationType") == "channel" else {"tenant": {"id": TENANT_ID}}
    )
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity


def card_execute(
    service_url: str,
    user: User,
    verb: str,
    data: dict[str, Any],
    *,
    conversation: dict[str, Any] | None = None,
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    conv = conversation or personal_conversation(user)
    activity = _base("invoke", service_url, conv, user.account())
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    activity["channelData"] = (
        team_channel_data() if conv.get("conversationType") == "channel" else {"tenant": {"id": TENANT_ID}}
    )
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity
