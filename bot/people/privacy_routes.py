"""``GET /privacy`` (the full notice, for the Teams manifest's privacy URL) and
``GET /privacy/export/{token}`` (the "my data" JSON download behind a signed link).

Why the export is built when the link is opened: the link then holds nothing, the file
is never stored, and it shows the data as it is at that moment. The token stays out of
the access log (``bot/access_log.py``) and out of any referrer (``no-referrer``).
"""

from __future__ import annotations

import json
import logging
from functools import partial
from pathlib import Path

from aiohttp import web

from bot.people.context import PRIVACY
from bot.people.privacy import EXPORT_PATH, NOTICE_PATH
from forum.signing import TOKEN_PATTERN, InvalidLinkError
from storage.types import utcnow

logger = logging.getLogger(__name__)

EXPORT_ROUTE = EXPORT_PATH + "/{token:" + TOKEN_PATTERN + "}"
NOTICE_ROUTE = NOTICE_PATH
NOTICE_FILE = Path(__file__).resolve().parents[2] / "PRIVACY.md"
EXPORT_FILENAME = "foorumibotti-my-data.json"
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def privacy_notice(_request: web.Request) -> web.StreamResponse:
    return web.Response(text=NOTICE_FILE.read_text(encoding="utf-8"), content_type="text/markdown", charset="utf-8")


async def export_download(request: web.Request) -> web.StreamResponse:
    service = request.app[PRIVACY].service
    try:
        data = await service.export_for_token(request.match_info["token"], utcnow())
    except InvalidLinkError as exc:
        logger.info("my-data link refused: %s", exc)
        raise web.HTTPNotFound(text="This link has expired or is not valid.", headers=PRIVATE_HEADERS) from None
    return web.json_response(
        data,
        dumps=partial(json.dumps, ensure_ascii=False, indent=2),
        headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"', **PRIVATE_HEADERS},
    )


def add_privacy_routes(app: web.Application) -> None:
    app.router.add_get(NOTICE_ROUTE, privacy_notice)
    app.router.add_get(EXPORT_ROUTE, export_download)
