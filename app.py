"""Composition root: ``create_app(settings)`` builds the web application;
``python app.py`` reads the settings once and serves it."""

from __future__ import annotations

import asyncio
import logging
import sys

from aiohttp import web

from bot.access_log import RedactingAccessLogger
from bot.checkins.context import checkins_context
from bot.components import BOT, DATABASE, SETTINGS, bot_context, database_context, signing_context
from bot.delivery.context import delivery_context
from bot.health import READINESS, Readiness, healthz, readyz_handler
from bot.logging_setup import configure_logging
from bot.meetings.calendar_route import CALENDAR_ROUTE, calendar_file
from bot.meetings.context import meetings_context
from bot.messages_endpoint import messages_handler
from bot.observability.context import METRICS, metrics_context
from bot.observability.metrics import ForumMetrics
from bot.people.context import privacy_context
from bot.people.privacy_routes import add_privacy_routes
from bot.polls.context import polls_context
from bot.polls.links_route import add_poll_routes
from bot.serving import EXIT_CANNOT_LISTEN, EXIT_OK, ListenError, bind_listener, serve
from bot.settings import Settings, SettingsError

logger = logging.getLogger("foorumibotti")


async def _messages(request: web.Request) -> web.StreamResponse:
    parts = request.app[BOT]
    handler = messages_handler(
        parts.adapter, parts.bot, request.app[SETTINGS], request.app[METRICS], parts.inbound, codec=parts.activity_codec
    )
    return await handler(request)


async def _readyz(request: web.Request) -> web.StreamResponse:
    return await readyz_handler(request.app[DATABASE].engine, request.app[READINESS])(request)


def create_app(settings: Settings) -> web.Application:
    # The body limit is enforced (with a JSON 413) by the messages endpoint;
    # aiohttp's own limit sits just above it as a backstop.
    app = web.Application(client_max_size=settings.max_body_bytes + 1)
    app[SETTINGS] = settings
    app[METRICS] = ForumMetrics()
    app[READINESS] = Readiness()
    app.cleanup_ctx.append(database_context)
    app.cleanup_ctx.append(signing_context)
    app.cleanup_ctx.append(bot_context)
    app.cleanup_ctx.append(delivery_context)
    app.cleanup_ctx.append(privacy_context)
    app.cleanup_ctx.append(meetings_context)
    app.cleanup_ctx.append(checkins_context)
    app.cleanup_ctx.append(polls_context)
    app.cleanup_ctx.append(metrics_context)
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get(CALENDAR_ROUTE, calendar_file)
    add_privacy_routes(app)
    add_poll_routes(app)
    return app


def main() -> int:
    """Read the settings, bind the port, then serve until SIGTERM/SIGINT; the exit code."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"configuration error: {exc}") from exc
    configure_logging(settings)
    if settings.local_mode:
        logger.warning(
            "LOCAL MODE: no MicrosoftAppId set, requests are NOT authenticated; "
            "use only with the Agents Playground or Emulator on %s:%s",
            settings.host,
            settings.port,
        )
    else:
        logger.info("Bot Framework authentication on for app id %s", settings.app_id)
    # The port first: when it is taken, nothing has touched the database yet.
    try:
        sock = bind_listener(settings.host, settings.port)
    except ListenError as exc:
        logger.error("%s", exc)
        return EXIT_CANNOT_LISTEN
    asyncio.run(serve(create_app(settings), sock, access_log_class=RedactingAccessLogger))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
