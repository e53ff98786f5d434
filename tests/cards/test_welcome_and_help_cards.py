"""The welcome and help cards: valid Adaptive Card 1.5, under the size limit, per locale."""

from __future__ import annotations

import pytest

from bot.commands import COMMANDS
from cards.help import help_card
from cards.validation import card_errors
from cards.welcome import welcome_card
from forum.i18n import SUPPORTED_LOCALES
from tests.support.golden import assert_matches_golden


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_welcome_card(locale: str) -> None:
    card = welcome_card(locale, 13)
    assert card_errors(card) == []
    assert_matches_golden(f"welcome-{locale}", card)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("coordinator", [False, True])
def test_help_card(locale: str, coordinator: bool) -> None:
    card = help_card(locale, [spec.help for spec in COMMANDS], coordinator)
    assert card_errors(card) == []
    assert_matches_golden(f"help-{'coordinator' if coordinator else 'participant'}-{locale}", card)


def test_validation_catches_a_misspelt_element_and_oversize() -> None:
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "x"}]}
    assert card_errors(bad)
    huge = welcome_card("fi", 1)
    huge["body"].append({"type": "TextBlock", "text": "x" * 50_000})
    assert any("byte limit" in problem for problem in card_errors(huge))
    assert any("msteams/nope" in p for p in card_errors({**welcome_card("fi", 1), "msteams": {"nope": 1}}))
