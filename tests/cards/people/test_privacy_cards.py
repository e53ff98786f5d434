"""The privacy cards: valid Adaptive Card 1.5, under the size limit, golden per locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cards.people.privacy import forget_confirm_card, forget_done_card, my_data_card, privacy_card, retention_notice
from cards.validation import card_errors
from forum.delivery.personal_data import DeliveryData
from forum.i18n import SUPPORTED_LOCALES
from forum.meetings.personal_data import MeetingsData
from forum.people.personal_data import ExportSection, Line, NamedSection, PersonalDataExport
from forum.people.profile_data import PeopleData
from tests.support.golden import assert_matches_golden

DESCRIPTIONS = (MeetingsData.description, DeliveryData.description, PeopleData.description)
EXPORT = PersonalDataExport(
    (
        NamedSection(
            "people",
            PeopleData.description.title_key,
            ExportSection(
                {},
                (
                    Line("mydata.people.name", {"name": "Matti Museolainen"}),
                    Line(
                        "mydata.people.membership",
                        {"forum": "Foorumi", "museum": "Kansallismuseo"},
                        {"role": "mydata.role.participant", "status": "mydata.people.member.active"},
                    ),
                ),
            ),
        ),
        NamedSection(
            "meetings",
            MeetingsData.description.title_key,
            ExportSection(
                {},
                (Line("mydata.meetings.rsvp", {"number": "3", "theme": "Kokeilut"}, {"answer": "rsvp.answer.online"}),),
            ),
        ),
    )
)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_privacy_cards(locale: str) -> None:
    cards = {
        "privacy-notice": privacy_card(
            locale, "https://bot.example/privacy", "kirjaamo@museovirasto.fi", leaver_days=90, forum_months=12
        ),
        "privacy-my-data": my_data_card(locale, EXPORT, "https://bot.example/privacy/export/1.2.x", 15),
        "privacy-forget-self": forget_confirm_card(locale, DESCRIPTIONS, 7),
        "privacy-forget-member": forget_confirm_card(locale, DESCRIPTIONS, 7, name="Matti Museolainen"),
        "privacy-forget-done": forget_done_card(locale),
    }
    for name, card in cards.items():
        assert card_errors(card) == [], name
        assert_matches_golden(f"{name}-{locale}", card)
    notice = retention_notice(locale, "Foorumi", datetime(2027, 6, 1, 9, 0, tzinfo=UTC), "Europe/Helsinki")
    assert "Foorumi" in notice["text"] and "2027" in notice["text"]
