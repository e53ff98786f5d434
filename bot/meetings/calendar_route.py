"""``GET /calendar/{token}/meeting-{number}.ics``: the "Add to calendar" download.

Why served by the bot: the file must always describe the meeting as it is
now (a moved or cancelled meeting downloads with a higher SEQUENCE), so it is
built on request from the database, never cached.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.meetings.context import MEETINGS
from forum.meetings.model import MeetingNotFoundError

logger = logging.getLogger(__name__)

CALENDAR_ROUTE = r"/calendar/{token:[A-Za-z0-9_-]{16,64}}/meeting-{number:[0-9]{1,6}}.ics"
"""Matches ``forum.meetings.calendar.calendar_path``."""


async def calendar_file(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    number = int(request.match_info["number"])
    service = request.app[MEETINGS].service
    try:
        body = await service.calendar(token, number, request.query.get("lang"))
    except MeetingNotFoundError:
        raise web.HTTPNotFound(text="no such meeting") from None
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="meeting-{number}.ics"',
            "Cache-Control": "no-cache",
        },
    )
