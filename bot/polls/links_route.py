"""``GET /polls/chart/{token}/poll-N.png`` and ``GET /polls/export/{token}/{file}`` behind signed links.

Why the files are built when the link is opened: the link holds nothing but the poll's id, the
files are never stored, and a tampered or expired token gets 403 with nothing served. The
tokens stay out of the access log (``bot/access_log.py``) and out of any referrer.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.components import DATABASE
from bot.polls.context import POLLS
from cards.polls.results import results_png
from forum.i18n import resolve_locale
from forum.polls.export import build_export, to_csv, to_xlsx
from forum.polls.links import CHART_PATH, CHART_PURPOSE, EXPORT_FILES, EXPORT_PATH, EXPORT_PURPOSE
from forum.polls.model import PollNotFoundError, load_poll
from forum.polls.results import poll_results
from forum.signing import TOKEN_PATTERN, InvalidLinkError
from storage import roster_repository as roster_repo
from storage.types import utcnow

logger = logging.getLogger(__name__)

CHART_ROUTE = CHART_PATH + "/{token:" + TOKEN_PATTERN + "}/{name:poll-[0-9]{1,6}\\.png}"
EXPORT_ROUTE = EXPORT_PATH + "/{token:" + TOKEN_PATTERN + "}/{name}"
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _forbidden() -> web.HTTPForbidden:
    return web.HTTPForbidden(text="This link has expired or is not valid.", headers=PRIVATE_HEADERS)


def _poll_id(request: web.Request, purpose: str) -> int:
    try:
        return request.app[POLLS].links.verify(purpose, request.match_info["token"], utcnow())
    except InvalidLinkError as exc:
        logger.info("poll link refused: %s", type(exc).__name__)
        raise _forbidden() from None


async def _locale(session: AsyncSession, request: web.Request, forum_id: int) -> str:
    forum = await roster_repo.forum_by_id(session, forum_id)
    return resolve_locale(request.query.get("lang"), forum.locale if forum else None)


async def chart_png(request: web.Request) -> web.StreamResponse:
    poll_id = _poll_id(request, CHART_PURPOSE)
    async with request.app[DATABASE].sessions() as session:
        try:
            results = await poll_results(session, poll_id)
        except PollNotFoundError:
            raise _forbidden() from None
        locale = await _locale(session, request, results.poll.forum_id)
    if not results.shown or not results.poll.is_closed:
        raise _forbidden()
    return web.Response(body=results_png(results, locale), content_type="image/png", headers=PRIVATE_HEADERS)


async def export_file(request: web.Request) -> web.StreamResponse:
    poll_id = _poll_id(request, EXPORT_PURPOSE)
    name = request.match_info["name"]
    if name not in EXPORT_FILES:
        raise web.HTTPNotFound(headers=PRIVATE_HEADERS)
    async with request.app[DATABASE].sessions() as session:
        try:
            poll = await load_poll(session, poll_id)
        except PollNotFoundError:
            raise _forbidden() from None
        if not poll.is_closed:
            raise _forbidden()
        locale = await _locale(session, request, poll.forum_id)
        export = await build_export(session, poll_id, locale)
    if name == "report.xlsx":
        body = to_xlsx([export.results, export.answers])
    else:
        body = to_csv(export.results if name == "results.csv" else export.answers)
    suffix = name[name.rindex(".") :]
    headers = {"Content-Disposition": f'attachment; filename="poll-{poll.number}-{name}"', **PRIVATE_HEADERS}
    return web.Response(
        body=body, headers={"Content-Type": TYPES[suffix] + ("; charset=utf-8" if suffix == ".csv" else ""), **headers}
    )


def add_poll_routes(app: web.Application) -> None:
    app.router.add_get(CHART_ROUTE, chart_png)
    app.router.add_get(EXPORT_ROUTE, export_file)
