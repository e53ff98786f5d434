"""When the one reminder of a poll sent to everyone's chat is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forum.polls.copies import nudge_due

POSTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_three_days_after_posting_without_a_close() -> None:
    assert nudge_due(POSTED, None) == POSTED + timedelta(days=3)


def test_three_days_when_the_close_is_further() -> None:
    assert nudge_due(POSTED, POSTED + timedelta(days=14)) == POSTED + timedelta(days=3)


def test_halfway_to_an_earlier_close() -> None:
    assert nudge_due(POSTED, POSTED + timedelta(days=2)) == POSTED + timedelta(days=1)


def test_no_reminder_when_the_close_is_near() -> None:
    assert nudge_due(POSTED, POSTED + timedelta(hours=11)) is None
    assert nudge_due(POSTED, POSTED + timedelta(hours=12)) == POSTED + timedelta(hours=6)
