"""A fake Bot Connector service on loopback.

The bot's ``serviceUrl`` points here, so every reply, proactive message,
update and roster call goes over real HTTP through the SDK's own connector
client. Tests read what was sent and can make the service answer 429 (with
``Retry-After``), 5xx or 403 to prove the bot's fault handling.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Recorded:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    faulted: bool = False
    """Answered with an injected fault (nothing happened on the fake Teams side)."""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str((self.body or {}).get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in (self.body or {}).get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class Fault:
    """Answer the next ``times`` matching requests with ``status``."""

    status: int
    times: int = 1
    retry_after: float | None = None
    method: str | None = None
    path_contains: str = ""


@dataclass
class FakeConnector:
    requests: list[Recorded] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    server: TestServer | None = None
    fault_rate: float = 0.0
    fault_rng: random.Random = field(default_factory=lambda: random.Random(10))
    RANDOM_FAULTS = (429, 500, 502, 503, 504)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/") + "/"

    # --- what the bot did --------------------------------------------

    @property
    def sent(self) -> list[Recorded]:
        """Activities the bot posted (new messages and replies), in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.split("/")[4:5] == ["activities"]]

    @property
    def updated(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "PUT" and "/activities/" in r.path]

    @property
    def created_conversations(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.rstrip("/") == "/v3/conversations"]

    def sent_to(self, conversation_id: str) -> list[Recorded]:
        return [r for r in self.sent if r.conversation_id == conversation_id]

    def clear(self) -> None:
        self.requests.clear()

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: float | None = None,
        method: str | None = None,
        path_contains: str = "",
    ) -> None:
        self.faults.append(Fault(status, times, retry_after, method, path_contains))

    # --- the service --------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    def fail_randomly(self, rate: float, seed: int = 10) -> None:
        """Answer this share of all requests with a random transient fault (429 with Retry-After 1)."""
        self.fault_rate, self.fault_rng = rate, random.Random(seed)

    def _fault_for(self, request: web.Request) -> Fault | None:
        if self.fault_rate and self.fault_rng.random() < self.fault_rate:
            status = self.fault_rng.choice(self.RANDOM_FAULTS)
            return Fault(status, retry_after=1.0 if status == 429 else None)
        for fault in self.faults:
            if fault.times > 0 and (fault.method in (None, request.method)) and fault.path_contains in request.path:
                fault.times -= 1
                return fault
        return None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        parts = [p for p in request.path.split("/") if p]
        conversation_id = parts[2] if len(parts) > 2 and parts[1] == "conversations" else None
        activity_id = parts[4] if len(parts) > 4 and parts[3] == "activities" else None
        self.requests.append(
            Recorded(request.method, request.path, conversation_id, activity_id, body, headers=dict(request.headers))
        )
        fault = self._fault_for(request)
        if fault is not None:
            self.requests[-1].faulted = True
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return web.json_response(
                {"error": {"code": "Fault", "message": f"injected {fault.status}"}},
                status=fault.status,
                headers=headers,
            )
        return self._answer(request, parts, body)

    def _answer(self, request: web.Request, parts: list[str], body: Any) -> web.StreamResponse:
        if parts[:2] == ["v3", "conversations"]:
            if len(parts) == 2 and request.method == "POST":
                conversation = f"a:personal-{next(self._ids)}"
                return web.json_response({"id": conversation, "activityId": f"act-{next(self._ids)}"}, status=201)
            if len(parts) >= 4 and parts[3] == "activities":
                if request.method in ("POST", "PUT"):
                    new_id = parts[4] if request.method == "PUT" else f"act-{next(self._ids)}"
                    return web.json_response({"id": new_id}, status=200 if request.method == "PUT" else 201)
                if request.method == "DELETE":
                    return web.Response(status=200)
            if len(parts) == 4 and parts[3] == "pagedmembers":
                return self._paged_members(request, parts[2])
            if len(parts) == 5 and parts[3] == "members":
                member = next((m for m in self._members_of(parts[2]) if m["id"] == parts[4]), None)
                if member is None:
                    return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
                return web.json_response(member)
            if len(parts) == 4 and parts[3] == "members":
                return web.json_response(self._members_of(parts[2]))
        if parts[:2] == ["v3", "teams"] and len(parts) >= 3:
            team = self.teams.get(parts[2], {"id": parts[2], "name": "Team"})
            if len(parts) == 3:
                return web.json_response(team)
            if parts[3] == "conversations":
                return web.json_response({"conversations": [{"id": parts[2], "name": None}]})
        return web.json_response({"error": {"code": "NotFound", "message": request.path}}, status=404)

    def _members_of(self, conversation_id: str) -> list[dict[str, Any]]:
        key = conversation_id.split(";", 1)[0]
        return self.members.get(key, [])

    def _paged_members(self, request: web.Request, conversation_id: str) -> web.Response:
        members = self._members_of(conversation_id)
        size = int(request.query.get("pageSize", "50"))
        start = int(request.query.get("continuationToken", "0") or "0")
        page = members[start : start + size]
        token = str(start + size) if start + size < len(members) else None
        return web.json_response({"continuationToken": token, "members": page})
