"""One line per activity through ``/api/messages``: what it was and how it ended, never what it said."""

from __future__ import annotations

import json
import logging

import pytest

from bot.observability.activity_record import ActivityRecord
from bot.observability.log_format import JsonFormatter
from tests.support.activities import MATTI, card_execute, personal_message
from tests.support.driver import Driver

ACTIVITY_LOGGER = "foorumibotti.activity"


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACTIVITY_LOGGER]


async def test_each_activity_logs_one_line_without_its_content(
    driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACTIVITY_LOGGER)
    await driver.install()
    await driver.send(personal_message(driver.service_url, MATTI, "kieli sv"))
    await driver.post(card_execute(driver.service_url, MATTI, "no/such/verb", {"secret": "card value"}))

    records = _lines(caplog)
    assert [(r.fields["type"], r.fields["outcome"]) for r in records] == [  # type: ignore[attr-defined]
        ("conversationUpdate", "ok"),
        ("message", "ok"),
        ("invoke", "ok"),
    ]
    message = records[1].fields  # type: ignore[attr-defined]
    assert message["conversation_type"] == "personal"
    assert message["tenant"] != "-" and message["activity_id"] != "-"
    assert isinstance(message["duration_ms"], float)
    assert records[2].fields["name"] == "adaptiveCard/action"  # type: ignore[attr-defined]
    everything = "\n".join(r.getMessage() for r in records)
    assert "kieli" not in everything and "card value" not in everything
    assert "@" not in everything and MATTI.name not in everything


async def test_an_event_name_the_sender_made_up_is_logged_as_other(
    driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    """A name is free text: a crafted one carried a script URL and an e-mail into the log."""
    caplog.set_level(logging.INFO, logger=ACTIVITY_LOGGER)
    activity = personal_message(driver.service_url, MATTI, "apua")
    activity.update(type="event", name="javascript:alert(1) matti@example.org")
    await driver.post(activity)
    [record] = _lines(caplog)
    assert record.fields["name"] == "other"  # type: ignore[attr-defined]
    assert "javascript" not in record.getMessage() and "@" not in record.getMessage()


async def test_a_failing_turn_is_logged_failed(driver: Driver, caplog: pytest.LogCaptureFixture) -> None:
    from tests.bot.observability.test_metrics import _add_failing_command

    _add_failing_command(driver.client.server.app)
    caplog.set_level(logging.INFO, logger=ACTIVITY_LOGGER)
    await driver.send(personal_message(driver.service_url, MATTI, "explode"))
    assert [r.fields["outcome"] for r in _lines(caplog)] == ["failed"]  # type: ignore[attr-defined]


def test_json_lines_carry_the_fields_as_keys() -> None:
    record = logging.LogRecord(ACTIVITY_LOGGER, logging.INFO, __file__, 1, "activity %s", ("x",), None)
    record.fields = {"activity_id": "1:abc", "type": "message", "outcome": "ok", "duration_ms": 3.5}
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "activity x" and entry["level"] == "INFO" and entry["logger"] == ACTIVITY_LOGGER
    assert (entry["activity_id"], entry["type"], entry["outcome"], entry["duration_ms"]) == (
        "1:abc",
        "message",
        "ok",
        3.5,
    )


def test_untrusted_ids_stay_on_one_bounded_line() -> None:
    from botbuilder.schema import Activity, ConversationAccount

    activity = Activity(
        id="evil\nINFO forged line " + "x" * 500,
        type="message",
        conversation=ConversationAccount(id="c", conversation_type="personal", tenant_id="t 1"),
    )
    record = ActivityRecord.of(activity)
    assert "\n" not in record.activity_id and " " not in record.activity_id and len(record.activity_id) <= 128
    assert record.tenant.startswith("h:") and len(record.tenant) == 14


def test_an_id_that_is_not_shaped_like_teams_ids_is_logged_as_a_hash() -> None:
    """Found by the fuzz corpus: an activity id that was an e-mail address reached the log."""
    from botbuilder.schema import Activity

    crafted = ActivityRecord.of(Activity(id="kaisa@museovirasto.fi", type="message"))
    again = ActivityRecord.of(Activity(id="kaisa@museovirasto.fi", type="message"))
    assert "@" not in crafted.activity_id and crafted.activity_id.startswith("h:")
    assert crafted.activity_id == again.activity_id  # two lines of one id still match
    plain = "1:1a2b3c-4d5e_f.6;messageid=1796324180719"
    assert ActivityRecord.of(Activity(id=plain, type="message")).activity_id == plain
