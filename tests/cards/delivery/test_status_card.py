"""The delivery status card: valid Adaptive Card 1.5 in every locale, with and without problems."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cards.delivery.status import delivery_status_card
from cards.validation import card_errors
from forum.delivery.outbox import DeliverySummary, UndeliveredView
from forum.i18n import SUPPORTED_LOCALES
from tests.support.golden import assert_matches_golden

WHEN = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TROUBLE = DeliverySummary(
    counts={"sent": 41, "pending": 2, "undeliverable": 1, "failed": 1, "superseded": 3},
    problems=(
        UndeliveredView("meeting_reminder", "undeliverable", "Matti Museolainen", "HTTP 403: blocked", 403, WHEN),
        UndeliveredView("meeting_announcement", "failed", None, None, 503, WHEN),
    ),
)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_status_card_with_problems(locale: str) -> None:
    card = delivery_status_card(locale, TROUBLE, "Europe/Helsinki")
    assert card_errors(card) == []
    assert_matches_golden(f"delivery-status-{locale}", card)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_status_card_when_all_is_well_or_empty(locale: str) -> None:
    for summary in (DeliverySummary({"sent": 3}, ()), DeliverySummary({}, ())):
        assert card_errors(delivery_status_card(locale, summary, "Europe/Helsinki")) == []


def test_status_card_stays_under_the_size_limit_with_long_errors() -> None:
    many = tuple(
        UndeliveredView("meeting_reminder", "undeliverable", f"Person {i}", "x" * 5000, 403, WHEN) for i in range(20)
    )
    card = delivery_status_card("fi", DeliverySummary({"undeliverable": 20}, many), "Europe/Helsinki")
    assert card_errors(card) == []
