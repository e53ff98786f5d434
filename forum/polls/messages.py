"""The poll's proactive messages, rendered by the outbox worker when they go.

The channel card and its updates are intents holding only the poll's id: the worker reads
the poll and its count of answers when it sends, so a burst of answers is one update with
the newest count (``enqueue_card_update`` coalesces them), and a card that waited is never
stale. The results card is drawn from the closed poll's aggregates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.delivery.intents import Activity, Intent, Reader, Render
from forum.polls.links import PollLinks
from forum.polls.model import PollNotFoundError, load_poll
from forum.polls.renderer import PollRenderer
from forum.polls.results import poll_results
from storage.models import ParticipantRow
from storage.polls import repository as repo
from storage.types import utcnow

logger = logging.getLogger(__name__)

PURPOSE_CARD = "poll_card"
PURPOSE_CARD_UPDATE = "poll_card_update"
PURPOSE_RESULTS = "poll_results"
PURPOSE_COPY = "poll_copy"
"""The card in a participant's 1:1 (``forum.polls.copies``)."""
PURPOSE_COPY_UPDATE = "poll_copy_update"
PURPOSE_NUDGE = "poll_nudge"
POLL_ID = "poll_id"
REFRESH_AUDIENCE_LIMIT = 60
"""Teams refreshes a card automatically for at most 60 people."""


async def refresh_user_ids(session: AsyncSession, forum_id: int) -> list[str] | None:
    """The card's ``refresh.userIds``: None (everyone) for a forum of at most 60, else nobody.

    Why nobody and not "the latest 60 who answered" as the meetings' rule: who answered an
    anonymous poll is not known to anyone, the bot included; over 60, people use *Show my
    answers*. The audience is counted, never loaded.
    """
    audience = await session.scalar(
        select(func.count())
        .select_from(ParticipantRow)
        .where(ParticipantRow.forum_id == forum_id, ParticipantRow.active.is_(True))
    )
    return None if int(audience or 0) <= REFRESH_AUDIENCE_LIMIT else []


def poll_renderers(
    cards: PollRenderer, links: PollLinks | None, clock: Callable[[], datetime] = utcnow
) -> dict[str, Render]:
    async def channel(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        try:
            poll = await load_poll(session, int(intent.data[POLL_ID]))
        except PollNotFoundError:
            logger.info("%s: the poll no longer exists", intent.key)
            return None
        return cards.channel_card(
            poll,
            await repo.response_count(session, poll.id),
            refresh_user_ids=await refresh_user_ids(session, poll.forum_id) if poll.is_open else [],
            locale=reader.locale,
            time_zone=reader.time_zone,
        )

    async def personal(session: AsyncSession, intent: Intent, reader: Reader, *, reminder: bool) -> Activity | None:
        """A 1:1 copy or the reminder: nothing once the poll has closed; its update says *closed*."""
        try:
            poll = await load_poll(session, int(intent.data[POLL_ID]))
        except PollNotFoundError:
            return None
        if not poll.is_open and intent.operation == "send":
            logger.info("%s: the poll has closed, nothing to send", intent.key)
            return None
        return cards.personal_card(
            poll,
            await repo.response_count(session, poll.id),
            reminder=reminder,
            locale=reader.locale,
            time_zone=reader.time_zone,
        )

    async def copy(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        return await personal(session, intent, reader, reminder=False)

    async def nudge(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        return await personal(session, intent, reader, reminder=True)

    async def results(session: AsyncSession, intent: Intent, reader: Reader) -> Activity | None:
        try:
            found = await poll_results(session, int(intent.data[POLL_ID]))
        except PollNotFoundError:
            return None
        chart = links.chart_url(found.poll.id, found.poll.number, clock()) if links and found.shown else None
        return cards.results_card(found, chart_url=chart, locale=reader.locale, time_zone=reader.time_zone)

    return {
        PURPOSE_CARD: channel,
        PURPOSE_CARD_UPDATE: channel,
        PURPOSE_RESULTS: results,
        PURPOSE_COPY: copy,
        PURPOSE_COPY_UPDATE: copy,
        PURPOSE_NUDGE: nudge,
    }
