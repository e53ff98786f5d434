"""The HTTP access log without personal data: no client address, no tokens, no query.

Why: browsers fetch the "my data" download and the calendar file with a secret in the
path, and their addresses are people's; aiohttp's default access log writes both at INFO
into a log that is kept for days.
"""

from __future__ import annotations

import logging
import re

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

logger = logging.getLogger(__name__)

_SECRET_PATHS = re.compile(r"^/(privacy/export|calendar|polls/export|polls/chart)/[^/]+")


def redacted_path(path: str) -> str:
    """``/privacy/export/12.1700000000.sig`` -> ``/privacy/export/…``; the query is dropped."""
    return _SECRET_PATHS.sub(lambda match: f"/{match.group(1)}/…", path.split("?", 1)[0])


class RedactingAccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info('"%s %s" %s %.3fs', request.method, redacted_path(request.rel_url.path), response.status, time)
