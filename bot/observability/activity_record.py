"""One log line (and one metrics observation) per inbound activity.

Why a context variable: the turn runs inside ``CloudAdapter.process_activity`` and a failure
there is handled by the adapter's ``on_turn_error``, which the HTTP edge never sees; the
adapter marks the record of the activity being processed, the edge writes it out.

The line names the activity, never its content: id, type, conversation type, tenant,
outcome and duration; no text, card values, tokens, names or e-mail addresses.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from botbuilder.schema import Activity

logger = logging.getLogger("foorumibotti.activity")

OK = "ok"
FAILED = "failed"
"""The turn raised; ``on_turn_error`` answered the person."""
UNAUTHORIZED = "unauthorized"
UNAVAILABLE = "unavailable"
"""No signing keys could be had to check the token (503)."""
FOREIGN_TENANT = "foreign_tenant"
"""From a tenant outside ``ALLOWED_TENANTS``: refused before any turn (403)."""
ERROR = "error"
"""It failed outside the turn (the adapter itself)."""

MAX_FIELD = 128
_UNSAFE = re.compile(r"[^\w.:;@/+=#-]")
_PLAIN_ID = re.compile(r"[A-Za-z0-9:;_.=|-]{1,128}")
"""What Teams' activity and tenant ids look like: no ``@``, no spaces, no slashes."""


KNOWN_NAMES = frozenset(
    {
        "adaptiveCard/action",
        "task/fetch",
        "task/submit",
        "actionableMessage/executeAction",
        "fileConsent/invoke",
        "healthCheck",
        "handoff/action",
        "application/search",
        "config/fetch",
        "config/submit",
        "tab/fetch",
        "tab/submit",
        "signin/verifyState",
        "signin/tokenExchange",
        "signin/failure",
        "composeExtension/query",
        "composeExtension/queryLink",
        "composeExtension/anonymousQueryLink",
        "composeExtension/selectItem",
        "composeExtension/submitAction",
        "composeExtension/fetchTask",
        "composeExtension/querySettingUrl",
        "composeExtension/setting",
        "composeExtension/onCardButtonClicked",
        "application/vnd.microsoft.readReceipt",
        "application/vnd.microsoft.meetingStart",
        "application/vnd.microsoft.meetingEnd",
        "application/vnd.microsoft.meetingParticipantJoin",
        "application/vnd.microsoft.meetingParticipantLeave",
    }
)
"""Invoke and event names Teams and the SDK define. Any other name is logged as ``other``: a name
is free text a sender chooses, and a crafted one carried a script URL and an e-mail address into
the log (fuzz corpus, seed 8)."""
OTHER_NAME = "other"


def _name(value: Any) -> str:
    if value is None or value == "":
        return "-"
    return value if value in KNOWN_NAMES else OTHER_NAME


def _field(value: Any) -> str:
    """A value from the activity, bounded and kept on one line (it is untrusted)."""
    if value is None or value == "":
        return "-"
    return _UNSAFE.sub("?", str(value)[:MAX_FIELD])


def _identifier(value: Any) -> str:
    """An id from the activity: as it is when it looks like Teams' ids, else a short hash.

    Why: the id is free text its sender chooses, and a crafted one carried an e-mail address
    into the log (fuzz corpus, seed 8); a hash still lets two log lines of one id be matched.
    """
    if value is None or value == "":
        return "-"
    text = str(value)
    if _PLAIN_ID.fullmatch(text):
        return text
    return "h:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]


@dataclass
class ActivityRecord:
    activity_id: str
    type: str
    name: str
    conversation_type: str
    tenant: str
    outcome: str = OK
    started: float = field(default_factory=time.perf_counter)
    duration_ms: float = 0.0

    @classmethod
    def of(cls, activity: Activity) -> ActivityRecord:
        conversation = activity.conversation
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        tenant_data = channel_data.get("tenant")
        tenant = (conversation.tenant_id if conversation is not None else None) or (
            tenant_data.get("id") if isinstance(tenant_data, dict) else None
        )
        return cls(
            activity_id=_identifier(activity.id),
            type=_field(activity.type),
            name=_name(activity.name),
            conversation_type=_field(conversation.conversation_type if conversation is not None else None),
            tenant=_identifier(tenant),
        )

    def fields(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "type": self.type,
            "name": self.name,
            "conversation_type": self.conversation_type,
            "tenant": self.tenant,
            "outcome": self.outcome,
            "duration_ms": self.duration_ms,
        }


class ActivityObserver(Protocol):
    def observe(self, record: ActivityRecord) -> None: ...


_CURRENT: ContextVar[ActivityRecord | None] = ContextVar("foorumibotti_activity", default=None)


def mark_turn_failed() -> None:
    """Called by ``on_turn_error``: the activity being processed ends ``failed``."""
    record = _CURRENT.get()
    if record is not None:
        record.outcome = FAILED


@contextmanager
def recorded_activity(activity: Activity, observer: ActivityObserver | None) -> Iterator[ActivityRecord]:
    """Time the processing of ``activity``; log its line and hand it to ``observer`` at the end."""
    record = ActivityRecord.of(activity)
    token = _CURRENT.set(record)
    try:
        yield record
    except BaseException:
        record.outcome = ERROR
        raise
    finally:
        _CURRENT.reset(token)
        record.duration_ms = round((time.perf_counter() - record.started) * 1000, 1)
        fields = record.fields()
        logger.info(
            " ".join(f"{key}=%s" for key in fields),
            *fields.values(),
            extra={"fields": fields},
        )
        if observer is not None:
            observer.observe(record)
