"""``POST /api/messages``: the one door Teams knocks on.

Why not ``CloudAdapter.process``: it answers a non-JSON body with an
unhandled exception, and in 4.17.1 it serializes an invoke response body a
second time (``'dict' object has no attribute 'is_xml_model'``). Here every
malformed request gets a plain 4xx, and the invoke body goes out as built.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Model
from sqlalchemy.exc import SQLAlchemyError

from bot.adapter import ForumAdapter
from bot.auth import SigningKeysUnavailable, Unauthorized
from bot.edge import InputRefused, bounded_activity, bounded_json, typed_fields
from bot.inbound import InboundActivities
from bot.model_codec import ModelCodec
from bot.observability.activity_record import (
    ERROR,
    FOREIGN_TENANT,
    UNAUTHORIZED,
    UNAVAILABLE,
    ActivityObserver,
    recorded_activity,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _invoke_body(body: Any) -> Any:
    if isinstance(body, Model):
        return body.serialize()
    return body


def _tenants_of(body: dict[str, Any]) -> set[str | None]:
    """Every tenant the activity names: channel data's and the conversation's must all be allowed.

    Read from the JSON itself: the SDK's model maps the conversation's ``tenantID`` while
    Teams sends ``tenantId``, so the deserialized activity may lose it.
    """
    named: set[str | None] = set()
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict):
        named.add(tenant.get("id") if isinstance(tenant.get("id"), str) else None)
    conversation = body.get("conversation")
    for key in ("tenantId", "tenantID"):
        value = conversation.get(key) if isinstance(conversation, dict) else None
        if value is not None:
            named.add(value if isinstance(value, str) else None)
    return named or {None}


async def _first_time(inbound: InboundActivities, activity: Activity) -> bool:
    try:
        return await inbound.first_time(activity)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        # The database cannot say: handle it; the turn meets the outage and says so.
        logger.warning("activity %s: cannot check for a redelivery (%s)", activity.id, type(exc).__name__)
        return True


def messages_handler(
    adapter: ForumAdapter,
    bot: Bot,
    settings: Settings,
    observer: ActivityObserver | None = None,
    inbound: InboundActivities | None = None,
    *,
    codec: ModelCodec,
) -> Any:
    """The endpoint; ``codec`` is the process's (built per request, its plans would be too)."""
    max_body_bytes = settings.max_body_bytes

    async def handle_messages(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _problem(415, "Content-Type must be application/json")
        if request.content_length is not None and request.content_length > max_body_bytes:
            return _problem(413, f"body over {max_body_bytes} bytes")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _problem(413, f"body over {max_body_bytes} bytes")
        if len(raw) > max_body_bytes:
            return _problem(413, f"body over {max_body_bytes} bytes")
        try:
            body = bounded_json(json.loads(raw))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return _problem(400, "body is not JSON")
        except InputRefused as exc:
            return _problem(400, f"body refused: {exc}")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
            return _problem(400, "body is not a Bot Framework activity (no type)")
        try:
            activity = codec.read_or_msrest(Activity, typed_fields(body))
        except (DeserializationError, ValueError, TypeError, AttributeError) as exc:
            return _problem(400, f"body is not a Bot Framework activity: {type(exc).__name__}")
        try:
            bounded_activity(activity)
        except InputRefused as exc:
            return _problem(400, f"activity refused: {exc}")
        auth_header = request.headers.get("Authorization", "")
        with recorded_activity(activity, observer) as record:
            try:
                authenticated = await adapter.authenticate(activity, auth_header)
            except Unauthorized:
                record.outcome = UNAUTHORIZED
                return _problem(401, "unauthorized")
            except SigningKeysUnavailable:
                record.outcome = UNAVAILABLE
                response = _problem(503, "signing keys unavailable, try again")
                response.headers["Retry-After"] = "30"
                return response
            if not all(settings.tenant_allowed(tenant) for tenant in _tenants_of(body)):
                # Before any turn: no row, no reply. The tenant id is in the activity line.
                record.outcome = FOREIGN_TENANT
                return _problem(403, "tenant not served")
            # After authentication, so that no outsider can mark an id as seen. Invokes
            # (card buttons) are not deduplicated: Teams waits for their answer body, and
            # each one is idempotent (one RSVP per person, one post per card).
            if inbound is not None and activity.type != "invoke" and not await _first_time(inbound, activity):
                record.outcome = DUPLICATE
                return web.Response(status=201)
            try:
                invoke_response = await adapter.process_activity(authenticated, activity, bot.on_turn)
            except Exception:
                record.outcome = ERROR
                logger.exception("activity %s (%s) failed outside the turn", activity.id, activity.type)
                return _problem(500, "internal error")
        if invoke_response is not None:
            return web.json_response(_invoke_body(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    return handle_messages
