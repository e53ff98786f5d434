"""Every check-in card in fi, sv and en: valid Adaptive Card 1.5 (charts checked as Teams' own), under
40 KB in UTF-16, and as in its golden file; the digest of 50 long answers still fits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cards.charts import MAX_CARD_UTF16_BYTES as MAX_CARD_BYTES
from cards.charts import card_errors_with_charts as card_errors
from cards.charts import utf16_size
from cards.checkins.actions import VERBS, parse_checkin
from cards.checkins.digest import digest_card, museum_digest_card
from cards.checkins.friend import friend_checkin_card, friend_reply_card, member_claim_card, silent_museum_card
from cards.checkins.history import history_card
from cards.checkins.overview import overview_card
from cards.checkins.projects import project_card
from cards.checkins.prompt import no_round_card, prompt_card
from forum.checkins.answers import CheckinInput
from forum.checkins.model import (
    CheckinView,
    Digest,
    ExperimentStatus,
    ExperimentView,
    MuseumChoice,
    MuseumDigest,
    MuseumStanding,
    Overview,
    ProjectView,
    PromptView,
    RoundRate,
    RoundView,
)
from forum.i18n import SUPPORTED_LOCALES
from tests.support.golden import assert_matches_golden

ZONE = "Europe/Helsinki"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ROUND = RoundView(7, 1, 3, 4, NOW, NOW + timedelta(days=20), NOW, False)
EXPERIMENTS = (
    ExperimentView(11, "Perhesunnuntait", ExperimentStatus.IN_PROGRESS),
    ExperimentView(12, "Hiljaiset aamut", ExperimentStatus.STUCK),
)
CHECKIN = CheckinView(
    id=31, round_id=7, museum="Tampereen museot", author="Liisa Lahtinen", experiment="Perhesunnuntait",
    status=ExperimentStatus.IN_PROGRESS, nothing_to_report=False, tried="Sunnuntaiopastuksia lapsiperheille.",
    learned="Lyhyt kierros toimii.", help_wanted="Vinkkejä markkinointiin.", shared=True, late=False,
    answered_at=NOW, experiment_id=11, replies=(("Ateneum", "Hieno kokeilu!"),),
)  # fmt: skip
EARLIER = RoundView(6, 1, 3, 3, NOW - timedelta(days=30), NOW, NOW - timedelta(days=30), False)
PROMPT = PromptView(ROUND, "Tampereen museot", EXPERIMENTS, answer=CHECKIN)
OVERVIEW = Overview(
    rounds=(RoundRate(ROUND, 9, 13, 30, 50), RoundRate(EARLIER, 11, 13, 38, 50)),
    museums=(
        MuseumStanding(3, "Amos Rex", (False, False), (), False, 40, 2),
        MuseumStanding(2, "Tampereen museot", (True, True), (ExperimentStatus.STUCK,), True, 1, 0),
        MuseumStanding(1, "Ateneum", (True, False), (ExperimentStatus.DONE,), False, 2, 0),
    ),
    generated_at=NOW,
)
PROJECT = ProjectView(2, "Tampereen museot", "Perheet museoon", "Lapsiperheet", "Uusia kävijöitä", EXPERIMENTS, True)

CARDS: dict[str, Callable[[str], dict[str, Any]]] = {
    "checkin-prompt": lambda loc: prompt_card(PromptView(ROUND, "Tampereen museot", EXPERIMENTS), loc, ZONE),
    "checkin-prompt-saved": lambda loc: prompt_card(PROMPT, loc, ZONE, note="Tallennettu."),
    "checkin-prompt-errors": lambda loc: prompt_card(
        PROMPT,
        loc,
        ZONE,
        values=CheckinInput(experiment="new", tried="x" * 10),
        errors={"new_experiment": "checkin.error.required", "status": "checkin.error.unknown_choice"},
    ),
    "checkin-prompt-no-museum": lambda loc: prompt_card(
        PromptView(ROUND, None, (), museums=(MuseumChoice(1, "Ateneum"), MuseumChoice(2, "Tampereen museot"))),
        loc,
        ZONE,
    ),
    "checkin-nudge": lambda loc: prompt_card(PromptView(ROUND, "Ateneum", ()), loc, ZONE, nudge=True),
    "checkin-no-round": no_round_card,
    "checkin-overview": lambda loc: overview_card(OVERVIEW, loc, ZONE),
    "checkin-digest": lambda loc: digest_card(
        Digest(5, 4, NOW + timedelta(days=3), (MuseumDigest(2, "Tampereen museot", (CHECKIN, CHECKIN)),)), loc, ZONE
    ),
    "checkin-digest-more": lambda loc: museum_digest_card(MuseumDigest(2, "Tampereen museot", (CHECKIN,)), loc, ZONE),
    "checkin-friend": lambda loc: friend_checkin_card(CHECKIN, loc, ZONE),
    "checkin-friend-reply": lambda loc: friend_reply_card(CHECKIN, "Ateneum", "Hieno kokeilu!", loc),
    "checkin-claim": lambda loc: member_claim_card("Matti Museolainen", "Amos Rex", 5, 3, loc),
    "checkin-silent": lambda loc: silent_museum_card("Amos Rex", 2, loc),
    "checkin-project": lambda loc: project_card(PROJECT, loc),
    "checkin-project-readonly": lambda loc: project_card(ProjectView(2, "Ateneum", "", "", "", (), False), loc),
    "checkin-history": lambda loc: history_card("Tampereen museot", [CHECKIN], True, loc, ZONE),
}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid_small_and_as_in_its_golden_file(name: str, locale: str) -> None:
    card = CARDS[name](locale)
    assert card_errors(card) == []
    assert_matches_golden(f"{name}-{locale}", card)


def test_a_chart_without_a_fallback_or_with_bad_data_is_refused() -> None:
    card = overview_card(OVERVIEW, "fi", ZONE)
    chart = next(e for e in card["body"] if e["type"] == "Chart.HorizontalBar")
    del chart["fallback"]
    chart["data"] = [{"x": 1}]
    problems = card_errors(card)
    assert any("fallback" in p for p in problems) and any("data" in p for p in problems)


def test_the_digest_of_fifty_long_answers_stays_under_40_kb_in_utf16() -> None:
    long = "ä" * 2000
    museums = tuple(
        MuseumDigest(
            i, f"Museo {i}",
            tuple(CheckinView(i * 10 + j, 7, f"Museo {i}", "X", "Kokeilu", ExperimentStatus.DONE, False,
                              long, long, long, True, False, NOW) for j in range(4)),
        )
        for i in range(13)
    )  # fmt: skip
    for locale in SUPPORTED_LOCALES:
        card = digest_card(Digest(5, 4, NOW, museums), locale, ZONE)
        assert utf16_size(card) < MAX_CARD_BYTES and card_errors(card) == []


def test_card_data_is_bounded_and_cleaned_at_the_edge() -> None:
    parsed = parse_checkin({"roundId": "٣", "tried": "a\x00b" + "c" * 20000, "shared": True, "status": ["x"]})
    assert parsed.round_id is None and parsed.tried.startswith("ab") and len(parsed.tried) <= 8000
    assert parsed.shared and parsed.status is None
    assert len(set(VERBS)) == len(VERBS) and all(v.startswith("checkin.") for v in VERBS)
