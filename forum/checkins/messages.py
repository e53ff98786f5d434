"""The check-ins' proactive messages, rendered by the outbox worker when they go.

Why at send time: a prompt that waited for the end of quiet hours shows the person's
answer if they gave one meanwhile; a nudge to someone who answered (or whose museum did)
is not sent at all (None: the row ends ``dropped``); the digest update shows every late
answer that arrived while it waited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.checkins.answers import checkin_view, prompt_view
from forum.checkins.digest import digest_for
from forum.checkins.model import NotMemberError, PromptView
from forum.checkins.renderer import CheckinRenderer
from forum.checkins.rounds import (
    MEETING_ID,
    PURPOSE_DIGEST,
    PURPOSE_DIGEST_UPDATE,
    PURPOSE_NUDGE,
    PURPOSE_PROMPT,
    PURPOSE_SILENT,
    ROUND_ID,
)
from forum.delivery.intents import Activity, Intent, Reader, Render
from storage import roster_repository as roster_repo
from storage.checkins import repository as repo
from storage.types import utcnow

logger = logging.getLogger(__name__)

PURPOSE_FRIEND = "checkin_friend"
PURPOSE_FRIEND_REPLY = "checkin_friend_reply"
PURPOSE_MEMBER_CLAIM = "checkin_member_claim"
CHECKIN_ID = "checkin_id"
REPLY_ID = "reply_id"


def checkin_renderers(cards: CheckinRenderer, clock: Callable[[], datetime] = utcnow) -> dict[str, Render]:
    """The renderers to register with the outbox, by purpose (``clock``: tests move time)."""

    async def _prompt_view(session: AsyncSession, intent: Intent, reader: Reader) -> PromptView | None:
        round_id = int(intent.data[ROUND_ID])
        row = await repo.round_by_id(session, round_id)
        now = clock()
        if row is None or row.cancelled or row.closes_at <= now or reader.person_id is None or intent.forum_id is None:
            return None
        try:
            view = await prompt_view(session, intent.forum_id, reader.person_id, round_id=round_id, now=now)
        except NotMemberError:
            return None
        if view.away_until is not None:
            return None
        return view

    async def prompt(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        view = await _prompt_view(session, intent, reader)
        if view is None:
            return None
        return cards.prompt(view, locale=reader.locale, time_zone=reader.time_zone)

    async def nudge(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        view = await _prompt_view(session, intent, reader)
        if view is None or intent.forum_id is None or reader.person_id is None:
            return None
        member = await roster_repo.participant(session, intent.forum_id, reader.person_id)
        if member is None:
            return None
        prefs = await repo.person_settings(session, member.id)
        if prefs is not None and prefs.muted:
            return None
        round_id = int(intent.data[ROUND_ID])
        if view.answer is not None or (
            member.museum_id is not None and member.museum_id in await repo.museums_answered(session, round_id)
        ):
            return None  # answered, or the museum did, since the nudge was queued
        return cards.nudge(view, locale=reader.locale, time_zone=reader.time_zone)

    async def silent(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        museum = await repo.museum_by_id(session, int(intent.data["museum_id"]))
        if museum is None:
            return None
        return cards.silent_museum(museum.name, int(intent.data.get("rounds", 2)), locale=reader.locale)

    async def digest(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        found = await digest_for(session, int(intent.data[MEETING_ID]))
        if found is None or found.starts_at <= clock():
            return None
        return cards.digest(found, locale=reader.locale, time_zone=reader.time_zone)

    async def friend(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        row = await repo.checkin_by_id(session, int(intent.data[CHECKIN_ID]))
        if row is None or not row.shared:
            return None
        view = await checkin_view(session, row)
        return cards.friend_checkin(view, locale=reader.locale, time_zone=reader.time_zone)

    async def friend_reply(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        row = await repo.checkin_by_id(session, int(intent.data[CHECKIN_ID]))
        replies = list(await repo.replies_to(session, [row.id])) if row is not None else []
        reply = next((r for r in replies if r.id == int(intent.data[REPLY_ID])), None)
        if row is None or reply is None:
            return None
        museum = await repo.museum_by_id(session, reply.museum_id) if reply.museum_id is not None else None
        view = await checkin_view(session, row)
        return cards.friend_reply(view, museum.name if museum else "", reply.text, locale=reader.locale)

    async def member_claim(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        participant_id = int(intent.data["participant_id"])
        prefs = await repo.person_settings(session, participant_id)
        if prefs is None or prefs.pending_museum_id != int(intent.data["museum_id"]):
            return None  # confirmed or changed meanwhile
        museum = await repo.museum_by_id(session, prefs.pending_museum_id)
        member = await repo.participant_by_id(session, participant_id)
        if museum is None or member is None or member.museum_id is not None:
            return None
        return cards.member_claim(member.person.name, museum.name, participant_id, museum.id, locale=reader.locale)

    return {
        PURPOSE_PROMPT: prompt,
        PURPOSE_NUDGE: nudge,
        PURPOSE_SILENT: silent,
        PURPOSE_DIGEST: digest,
        PURPOSE_DIGEST_UPDATE: digest,
        PURPOSE_FRIEND: friend,
        PURPOSE_FRIEND_REPLY: friend_reply,
        PURPOSE_MEMBER_CLAIM: member_claim,
    }
