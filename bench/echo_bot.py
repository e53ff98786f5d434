"""A bare botbuilder 4.17 echo bot: the baseline of ``bench/inbound.py``.

    python bench/echo_bot.py --port 29103 [--cached-clients]

The same SDK adapter (``CloudAdapter`` with the SDK's own
``ConfigurationBotFrameworkAuthentication``, local mode, no credentials) and
the same server (aiohttp, one ``POST /api/messages`` doing what the product's
endpoint does: JSON → ``Activity`` → ``process_activity`` → the invoke body as
built), and no database. A message is echoed back through the Bot Connector
(the fake one); an ``adaptiveCard/action`` invoke is answered with a one-line
card. ``--cached-clients`` wraps the authentication in the product's
``bot/connector_clients.py``, so the SDK's per-turn msrest cost is gone: the
horizon the product is compared with, besides the stock bot.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from http import HTTPStatus
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext  # noqa: E402
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication  # noqa: E402
from botbuilder.schema import Activity  # noqa: E402
from msrest.serialization import Model  # noqa: E402

logger = logging.getLogger("bench.echo_bot")

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Kiitos!"}]}


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        body = {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": CARD}
        return InvokeResponse(status=int(HTTPStatus.OK), body=body)


def build(cached_clients: bool) -> web.Application:
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    authentication: Any = ConfigurationBotFrameworkAuthentication(config)
    if cached_clients:
        from bot.connector_clients import CachingBotFrameworkAuthentication

        authentication = CachingBotFrameworkAuthentication(authentication)
    adapter = CloudAdapter(authentication)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(json.loads(await request.read()))
        response = await adapter.process_activity(request.headers.get("Authorization", ""), activity, bot.on_turn)
        if response is not None:
            body = response.body.serialize() if isinstance(response.body, Model) else response.body
            return web.json_response(body, status=response.status)
        return web.Response(status=201)

    async def ready(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/readyz", ready)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cached-clients", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(build(args.cached_clients), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
