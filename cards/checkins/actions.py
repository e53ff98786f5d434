"""The check-in cards' verbs and data keys, and their submits parsed into typed values.

Why every verb is listed in ``VERBS``: the edge-safety work enumerates every card action
(its permission table and fuzz corpus), so a new button cannot be forgotten there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cards.elements import id_in
from forum.checkins.answers import CheckinInput
from forum.checkins.model import MAX_TEXT

VERB_SAVE = "checkin.save"
VERB_NOTHING = "checkin.nothing"
VERB_AWAY = "checkin.away"
VERB_TYPE = "checkin.type"
VERB_DIGEST_MORE = "checkin.digest_more"
VERB_REPLY = "checkin.reply"
VERB_PROJECT_SAVE = "checkin.project_save"
VERB_EXPERIMENT_REMOVE = "checkin.experiment_remove"
VERB_MEMBER_CONFIRM = "checkin.member_confirm"
VERBS: tuple[str, ...] = (
    VERB_SAVE,
    VERB_NOTHING,
    VERB_AWAY,
    VERB_TYPE,
    VERB_DIGEST_MORE,
    VERB_REPLY,
    VERB_PROJECT_SAVE,
    VERB_EXPERIMENT_REMOVE,
    VERB_MEMBER_CONFIRM,
)
COORDINATOR_VERBS: frozenset[str] = frozenset({VERB_MEMBER_CONFIRM})

ROUND_KEY = "roundId"
MEETING_KEY = "meetingId"
MUSEUM_KEY = "museumId"
CHECKIN_KEY = "checkinId"
EXPERIMENT_KEY = "experimentId"
PARTICIPANT_KEY = "participantId"

FIELD_MUSEUM = "museum"
FIELD_EXPERIMENT = "experiment"
FIELD_NEW_EXPERIMENT = "new_experiment"
FIELD_STATUS = "status"
FIELD_TRIED = "tried"
FIELD_LEARNED = "learned"
FIELD_HELP = "help_wanted"
FIELD_SHARED = "shared"
FIELD_AWAY = "away_until"
FIELD_REPLY = "reply"
FIELD_GOAL = "goal"
FIELD_AUDIENCE = "audience"
FIELD_IMPACT = "impact"

MAX_FIELD_CHARS = MAX_TEXT * 4
"""Longer than any field may be, but still bounded: what is cut here was refused anyway."""


def clean_text(value: str, limit: int = MAX_FIELD_CHARS) -> str:
    """Typed or submitted text made safe for both databases: bounded, no NUL or other control
    characters (PostgreSQL refuses NUL in text), line breaks and tabs kept."""
    return "".join(ch for ch in value[:limit] if ch in "\n\t" or ord(ch) >= 32)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return clean_text(str(value))


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def parse_checkin(data: dict[str, Any], *, nothing_to_report: bool = False) -> CheckinInput:
    return CheckinInput(
        round_id=id_in(data, ROUND_KEY),
        experiment=_text(data, FIELD_EXPERIMENT).strip() or None,
        new_experiment=_text(data, FIELD_NEW_EXPERIMENT),
        status=_text(data, FIELD_STATUS).strip() or None,
        tried=_text(data, FIELD_TRIED),
        learned=_text(data, FIELD_LEARNED),
        help_wanted=_text(data, FIELD_HELP),
        shared=_flag(data, FIELD_SHARED),
        nothing_to_report=nothing_to_report,
        museum_id=id_in(data, FIELD_MUSEUM),
    )


def parse_day(data: dict[str, Any], key: str = FIELD_AWAY) -> date | None:
    value = _text(data, key).strip()
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def text_of(data: dict[str, Any], key: str) -> str:
    return _text(data, key)
